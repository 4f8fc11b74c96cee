package io.switchboard.msgpack.schema;

import io.switchboard.msgpack.MessagePackCodec;
import io.switchboard.msgpack.MessagePackReader;
import io.switchboard.msgpack.MessagePackSettings;
import io.switchboard.msgpack.WireShape;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.msgpack.core.MessagePacker;
import org.msgpack.value.ValueType;

/**
 * Writes and reads a {@link Schema} as map-shaped MessagePack, readable by any MessagePack library
 * without a schema (the form the reflection service sends, specified in {@code WIRE-FORMAT.md}):
 *
 * <pre>{@code
 * schema  = {"root": type, "types": {name: named, ...}}
 * type    = {"kind": "int64"}                               (every ScalarKind, by wire name)
 *         | {"kind": "list", "element": type, "unique": bool}
 *         | {"kind": "map", "key": type, "value": type}
 *         | {"kind": "optional", "value": type}
 *         | {"kind": "ref", "name": name}
 *         | {"kind": "opaque", "javaType": str}
 * named   = {"kind": "message", "name": name, "shape": "array"|"map",
 *            "fields": [{"name": str, "index": int, "type": type, "nullable": bool}, ...]}
 *         | {"kind": "enum", "name": name, "constants": [{"name": str, "value": int}, ...]}
 *         | {"kind": "union", "name": name, "variants": [{"tag": int, "name": str, "type": type}, ...]}
 * }</pre>
 *
 * <p>A reader skips keys it does not know, so later versions may add keys. Thread-safe.
 */
public final class SchemaCodec implements MessagePackCodec<Schema> {
  /**
   * Deepest nesting read: a schema's own structure plus its types' nesting (a {@code
   * List<List<String>>} is two levels); 64, the marshaller's default, is far beyond real schemas.
   */
  static final int MAX_DEPTH = MessagePackSettings.DEFAULT_MAX_DEPTH;

  /** The one instance. */
  public static final SchemaCodec INSTANCE = new SchemaCodec();

  private SchemaCodec() {}

  @Override
  public void encode(MessagePacker out, Schema schema) throws IOException {
    out.packMapHeader(2);
    out.packString("root");
    writeType(out, schema.root());
    out.packString("types");
    out.packMapHeader(schema.types().size());
    for (NamedType t : schema.types().values()) {
      out.packString(t.name());
      writeNamed(out, t);
    }
  }

  private static void writeNamed(MessagePacker out, NamedType type) throws IOException {
    if (type instanceof NamedType.MessageType m) {
      out.packMapHeader(4);
      out.packString("kind").packString("message");
      out.packString("name").packString(m.name());
      out.packString("shape").packString(m.shape().name().toLowerCase(Locale.ROOT));
      out.packString("fields").packArrayHeader(m.fields().size());
      for (NamedType.Field f : m.fields()) {
        out.packMapHeader(4);
        out.packString("name").packString(f.name());
        out.packString("index").packInt(f.index());
        out.packString("type");
        writeType(out, f.type());
        out.packString("nullable").packBoolean(f.nullable());
      }
    } else if (type instanceof NamedType.EnumType e) {
      out.packMapHeader(3);
      out.packString("kind").packString("enum");
      out.packString("name").packString(e.name());
      out.packString("constants").packArrayHeader(e.constants().size());
      for (NamedType.Constant c : e.constants()) {
        out.packMapHeader(2);
        out.packString("name").packString(c.name());
        out.packString("value").packInt(c.value());
      }
    } else {
      NamedType.UnionType u = (NamedType.UnionType) type;
      out.packMapHeader(3);
      out.packString("kind").packString("union");
      out.packString("name").packString(u.name());
      out.packString("variants").packArrayHeader(u.variants().size());
      for (NamedType.Variant v : u.variants()) {
        out.packMapHeader(3);
        out.packString("tag").packInt(v.tag());
        out.packString("name").packString(v.name());
        out.packString("type");
        writeType(out, v.type());
      }
    }
  }

  private static void writeType(MessagePacker out, TypeRef type) throws IOException {
    if (type instanceof TypeRef.Scalar s) {
      out.packMapHeader(1).packString("kind").packString(s.kind().wireName());
    } else if (type instanceof TypeRef.ListOf l) {
      out.packMapHeader(3).packString("kind").packString("list").packString("element");
      writeType(out, l.element());
      out.packString("unique").packBoolean(l.unique());
    } else if (type instanceof TypeRef.MapOf m) {
      out.packMapHeader(3).packString("kind").packString("map").packString("key");
      writeType(out, m.key());
      out.packString("value");
      writeType(out, m.value());
    } else if (type instanceof TypeRef.OptionalOf o) {
      out.packMapHeader(2).packString("kind").packString("optional").packString("value");
      writeType(out, o.value());
    } else if (type instanceof TypeRef.Named n) {
      out.packMapHeader(2).packString("kind").packString("ref");
      out.packString("name").packString(n.name());
    } else {
      out.packMapHeader(2).packString("kind").packString("opaque");
      out.packString("javaType").packString(((TypeRef.Opaque) type).javaType());
    }
  }

  /**
   * Reads a schema.
   *
   * @throws IOException passed on from the reader
   * @throws IllegalArgumentException if the value is not a schema (a missing or ill-typed key, an
   *     unknown kind, a reference to no defined type, nesting deeper than 64)
   */
  @Override
  public Schema decode(MessagePackReader in) throws IOException {
    Map<String, Object> tree = asMap(readTree(in, 1), "schema");
    Map<String, Object> types = asMap(tree.get("types"), "schema.types");
    Map<String, NamedType> named = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : types.entrySet()) {
      named.put(e.getKey(), toNamed(asMap(e.getValue(), "types." + e.getKey())));
    }
    return new Schema(toType(tree.get("root"), "root"), named);
  }

  /** Reads any value into maps (str keys), lists, strings, longs, doubles, booleans and nulls. */
  private static Object readTree(MessagePackReader in, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("schema nested deeper than " + MAX_DEPTH);
    }
    ValueType type = in.unpacker().getNextFormat().getValueType();
    switch (type) {
      case NIL:
        in.tryReadNil();
        return null;
      case BOOLEAN:
        return in.readBoolean();
      case INTEGER:
        return in.readLong();
      case FLOAT:
        return in.readDouble();
      case STRING:
        return in.readString();
      case ARRAY:
        {
          int n = in.readArrayHeader();
          List<Object> list = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            list.add(readTree(in, depth + 1));
          }
          return list;
        }
      case MAP:
        {
          int n = in.readMapHeader();
          Map<String, Object> map = new LinkedHashMap<>();
          for (int i = 0; i < n; i++) {
            String key = in.readString();
            map.put(key, readTree(in, depth + 1));
          }
          return map;
        }
      default:
        in.skipValue(); // bin and ext: no schema key holds them; a later version's, skipped
        return null;
    }
  }

  private static NamedType toNamed(Map<String, Object> m) {
    String kind = asString(m.get("kind"), "kind");
    String name = asString(m.get("name"), "name");
    switch (kind) {
      case "message":
        {
          String shape = asString(m.get("shape"), name + ".shape");
          List<NamedType.Field> fields = new ArrayList<>();
          for (Object o : asList(m.get("fields"), name + ".fields")) {
            Map<String, Object> f = asMap(o, name + ".fields[]");
            String field = asString(f.get("name"), name + ".fields[].name");
            fields.add(
                new NamedType.Field(
                    field,
                    (int) asLong(f.get("index"), name + "." + field + ".index"),
                    toType(f.get("type"), name + "." + field),
                    Boolean.TRUE.equals(f.get("nullable"))));
          }
          WireShape wireShape;
          if (shape.equals("array")) {
            wireShape = WireShape.ARRAY;
          } else if (shape.equals("map")) {
            wireShape = WireShape.MAP;
          } else {
            throw bad(name + ".shape", "\"" + shape + "\"", "\"array\" or \"map\"");
          }
          return new NamedType.MessageType(name, wireShape, fields);
        }
      case "enum":
        {
          List<NamedType.Constant> constants = new ArrayList<>();
          for (Object o : asList(m.get("constants"), name + ".constants")) {
            Map<String, Object> c = asMap(o, name + ".constants[]");
            constants.add(
                new NamedType.Constant(
                    asString(c.get("name"), name + ".constants[].name"),
                    (int) asLong(c.get("value"), name + ".constants[].value")));
          }
          return new NamedType.EnumType(name, constants);
        }
      case "union":
        {
          List<NamedType.Variant> variants = new ArrayList<>();
          for (Object o : asList(m.get("variants"), name + ".variants")) {
            Map<String, Object> v = asMap(o, name + ".variants[]");
            String variant = asString(v.get("name"), name + ".variants[].name");
            variants.add(
                new NamedType.Variant(
                    (int) asLong(v.get("tag"), name + "." + variant + ".tag"),
                    variant,
                    toType(v.get("type"), name + "." + variant)));
          }
          return new NamedType.UnionType(name, variants);
        }
      default:
        throw bad(name + ".kind", "\"" + kind + "\"", "\"message\", \"enum\" or \"union\"");
    }
  }

  private static TypeRef toType(Object value, String where) {
    Map<String, Object> m = asMap(value, where);
    String kind = asString(m.get("kind"), where + ".kind");
    switch (kind) {
      case "list":
        return new TypeRef.ListOf(
            toType(m.get("element"), where + "[]"), Boolean.TRUE.equals(m.get("unique")));
      case "map":
        return new TypeRef.MapOf(
            toType(m.get("key"), where + "{key}"), toType(m.get("value"), where + "{value}"));
      case "optional":
        return new TypeRef.OptionalOf(toType(m.get("value"), where));
      case "ref":
        return new TypeRef.Named(asString(m.get("name"), where + ".name"));
      case "opaque":
        return new TypeRef.Opaque(asString(m.get("javaType"), where + ".javaType"));
      default:
        try {
          return new TypeRef.Scalar(ScalarKind.ofWireName(kind));
        } catch (IllegalArgumentException e) {
          throw bad(
              where + ".kind",
              "\"" + kind + "\"",
              "a scalar kind, list, map, optional, ref or opaque");
        }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object o, String where) {
    if (o instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    throw bad(where, describe(o), "a map");
  }

  private static List<?> asList(Object o, String where) {
    if (o instanceof List<?> l) {
      return l;
    }
    throw bad(where, describe(o), "an array");
  }

  private static String asString(Object o, String where) {
    if (o instanceof String s) {
      return s;
    }
    throw bad(where, describe(o), "a string");
  }

  private static long asLong(Object o, String where) {
    if (o instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
      return l;
    }
    throw bad(where, describe(o), "an int");
  }

  private static String describe(Object o) {
    return o == null ? "missing" : o instanceof String s ? "\"" + s + "\"" : String.valueOf(o);
  }

  private static IllegalArgumentException bad(String where, String got, String expected) {
    return new IllegalArgumentException(
        "schema " + where + ": " + got + " (expected: " + expected + ")");
  }
}
