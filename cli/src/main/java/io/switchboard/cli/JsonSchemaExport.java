package io.switchboard.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.switchboard.msgpack.WireShape;
import io.switchboard.msgpack.schema.MethodSchema;
import io.switchboard.msgpack.schema.NamedType;
import io.switchboard.msgpack.schema.ScalarKind;
import io.switchboard.msgpack.schema.Schema;
import io.switchboard.msgpack.schema.ServiceSchema;
import io.switchboard.msgpack.schema.TypeRef;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code schema --format jsonschema}: one JSON Schema (draft 2020-12) document describing the
 * canonical JSON form (WIRE-FORMAT.md) of every message of the services, for teams in other
 * languages. Every named type is under {@code $defs} by its full name; the services and their
 * methods are under {@code x-switchboard-services} ({@code service → method → {path, kind, request,
 * response}}), each request and response a schema (usually a {@code $ref}). Keywords starting with
 * {@code x-switchboard-} carry what JSON Schema has no word for (wire shape, field index, enum
 * values, union tags); validators ignore them.
 */
final class JsonSchemaExport {
  static final String DIALECT = "https://json-schema.org/draft/2020-12/schema";
  private static final JsonFactory JSON = new JsonFactory();

  private JsonSchemaExport() {}

  static String export(String title, List<ServiceSchema> services) {
    Map<String, Object> doc = new LinkedHashMap<>();
    Map<String, NamedType> types = new LinkedHashMap<>();
    doc.put("$schema", DIALECT);
    doc.put("title", title);
    doc.put(
        "description",
        "The canonical JSON form (Switchboard WIRE-FORMAT.md) of the messages of these services:"
            + " x-switchboard-services lists each method's path, call kind, request and response;"
            + " $defs holds every message, enum and union type by its full name. A field may be"
            + " left out when writing (it takes its default); readers get every field.");
    Map<String, Object> byService = new LinkedHashMap<>();
    for (ServiceSchema service : services) {
      Map<String, Object> methods = new LinkedHashMap<>();
      for (MethodSchema m : service.methods()) {
        Map<String, Object> method = new LinkedHashMap<>();
        method.put("path", "/" + m.fullName());
        method.put("kind", m.kind().name());
        method.put("request", root(m.request(), types));
        method.put("response", root(m.response(), types));
        methods.put(m.name(), method);
      }
      byService.put(service.name(), methods);
    }
    doc.put("x-switchboard-services", byService);
    Map<String, Object> defs = new LinkedHashMap<>();
    for (NamedType t : types.values()) {
      defs.put(t.name(), define(t));
    }
    doc.put("$defs", defs);
    return write(doc);
  }

  private static Object root(Schema schema, Map<String, NamedType> types) {
    if (schema == null) {
      return Map.of("description", "no published schema: the messages are not MessagePack");
    }
    schema.types().forEach(types::putIfAbsent);
    return of(schema.root());
  }

  private static Map<String, Object> define(NamedType t) {
    Map<String, Object> s = new LinkedHashMap<>();
    if (t instanceof NamedType.MessageType m) {
      s.put("type", "object");
      s.put("x-switchboard-kind", "message");
      s.put("x-switchboard-shape", m.shape() == WireShape.ARRAY ? "array" : "map");
      Map<String, Object> properties = new LinkedHashMap<>();
      for (NamedType.Field f : m.fields()) {
        Map<String, Object> p =
            new LinkedHashMap<>(f.nullable() ? orNull(of(f.type())) : of(f.type()));
        if (m.shape() == WireShape.ARRAY) {
          p.put("x-switchboard-index", f.index());
        }
        properties.put(f.name(), p);
      }
      s.put("properties", properties);
      s.put("additionalProperties", false);
    } else if (t instanceof NamedType.EnumType e) {
      s.put("type", "string");
      s.put("x-switchboard-kind", "enum");
      s.put("enum", e.constants().stream().map(NamedType.Constant::name).toList());
      Map<String, Object> values = new LinkedHashMap<>();
      e.constants().forEach(c -> values.put(c.name(), c.value()));
      s.put("x-switchboard-values", values);
    } else if (t instanceof NamedType.UnionType u) {
      s.put("x-switchboard-kind", "union");
      List<Object> variants = new ArrayList<>();
      for (NamedType.Variant v : u.variants()) {
        Map<String, Object> variant = new LinkedHashMap<>();
        variant.put("type", "object");
        variant.put("properties", Map.of(v.name(), of(v.type())));
        variant.put("required", List.of(v.name()));
        variant.put("additionalProperties", false);
        variant.put("x-switchboard-tag", v.tag());
        variants.add(variant);
      }
      s.put("oneOf", variants);
    }
    return s;
  }

  /** Returns the schema of a value of this type, not null. */
  static Map<String, Object> of(TypeRef t) {
    Map<String, Object> s = new LinkedHashMap<>();
    if (t instanceof TypeRef.Scalar scalar) {
      scalar(scalar.kind(), s);
      s.put("x-switchboard-type", scalar.kind().wireName());
    } else if (t instanceof TypeRef.ListOf l) {
      s.put("type", "array");
      s.put("items", of(l.element()));
      if (l.unique()) {
        s.put("uniqueItems", true);
      }
    } else if (t instanceof TypeRef.MapOf m) {
      s.put("type", "object");
      Map<String, Object> key = keyOf(m.key());
      if (key != null) {
        s.put("propertyNames", key);
      }
      s.put("additionalProperties", of(m.value()));
    } else if (t instanceof TypeRef.OptionalOf o) {
      return orNull(of(o.value()));
    } else if (t instanceof TypeRef.Named n) {
      s.put("$ref", "#/$defs/" + pointer(n.name()));
    } else {
      s.put(
          "description",
          "any JSON value: " + ((TypeRef.Opaque) t).javaType() + " has a hand-written codec");
    }
    return s;
  }

  private static void scalar(ScalarKind kind, Map<String, Object> s) {
    switch (kind) {
      case BOOL -> s.put("type", "boolean");
      case INT8 -> integer(s, Byte.MIN_VALUE, Byte.MAX_VALUE);
      case INT16 -> integer(s, Short.MIN_VALUE, Short.MAX_VALUE);
      case INT32 -> integer(s, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case INT64 -> {
        Map<String, Object> number = new LinkedHashMap<>();
        integer(number, Long.MIN_VALUE, Long.MAX_VALUE);
        s.put("anyOf", List.of(number, string("^-?[0-9]{1,19}$")));
      }
      case CHAR -> {
        s.put("type", "string");
        s.put("minLength", 1);
        s.put("maxLength", 1);
      }
      case FLOAT32, FLOAT64 ->
          s.put(
              "anyOf",
              List.of(
                  Map.of("type", "number"),
                  Map.of("enum", List.of("NaN", "Infinity", "-Infinity"))));
      case STRING -> s.put("type", "string");
      case BINARY -> {
        s.put("type", "string");
        s.put("contentEncoding", "base64");
      }
      case TIMESTAMP -> {
        s.put("type", "string");
        s.put("format", "date-time");
      }
      case DURATION -> s.putAll(string("^-?[0-9]+(\\.[0-9]{1,9})?s$"));
      case UUID -> {
        s.put("type", "string");
        s.put("format", "uuid");
      }
      case DECIMAL -> s.putAll(string("^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$"));
      case BIG_INTEGER -> s.putAll(string("^[+-]?[0-9]+$"));
    }
  }

  /** Returns the schema of a map's keys as JSON object keys (their text), or null for any. */
  private static Map<String, Object> keyOf(TypeRef key) {
    if (key instanceof TypeRef.Named) {
      return of(key); // an enum: its names
    }
    if (!(key instanceof TypeRef.Scalar scalar)) {
      return null;
    }
    return switch (scalar.kind()) {
      case INT8, INT16, INT32, INT64, BIG_INTEGER -> string("^-?[0-9]+$");
      case BOOL -> Map.of("enum", List.of("true", "false"));
      case FLOAT32, FLOAT64 -> null;
      default -> of(key);
    };
  }

  private static void integer(Map<String, Object> s, long min, long max) {
    s.put("type", "integer");
    s.put("minimum", min);
    s.put("maximum", max);
  }

  private static Map<String, Object> string(String pattern) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "string");
    s.put("pattern", pattern);
    return s;
  }

  private static Map<String, Object> orNull(Map<String, Object> schema) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("anyOf", List.of(schema, Map.of("type", "null")));
    return s;
  }

  /** A type name as a JSON pointer token in a URI fragment (RFC 6901 section 6). */
  static String pointer(String name) {
    String token = name.replace("~", "~0").replace("/", "~1");
    StringBuilder s = new StringBuilder();
    for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "-._~!$&'()*+,;=:@".indexOf(c) >= 0) {
        s.append(c);
      } else {
        s.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return s.toString();
  }

  private static String write(Object value) {
    StringWriter text = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(text).useDefaultPrettyPrinter()) {
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.append('\n').toString();
  }

  private static void write(JsonGenerator g, Object value) throws IOException {
    if (value instanceof Map<?, ?> map) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        g.writeFieldName((String) e.getKey());
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof List<?> list) {
      g.writeStartArray();
      for (Object o : list) {
        write(g, o);
      }
      g.writeEndArray();
    } else if (value instanceof String s) {
      g.writeString(s);
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (value instanceof Integer i) {
      g.writeNumber(i);
    } else if (value instanceof Long l) {
      g.writeNumber(l);
    } else {
      throw new IllegalStateException("not a JSON value: " + value);
    }
  }
}
