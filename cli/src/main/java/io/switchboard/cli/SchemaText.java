package io.switchboard.cli;

import io.switchboard.msgpack.WireShape;
import io.switchboard.msgpack.schema.MethodSchema;
import io.switchboard.msgpack.schema.NamedType;
import io.switchboard.msgpack.schema.Schema;
import io.switchboard.msgpack.schema.TypeRef;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The text {@code describe} prints: the methods, then every message, enum and union they reach. */
final class SchemaText {
  private SchemaText() {}

  static String describe(String service, List<MethodSchema> methods) {
    StringBuilder s = new StringBuilder("service ").append(service).append('\n');
    Map<String, NamedType> types = new LinkedHashMap<>();
    for (MethodSchema m : methods) {
      s.append("  rpc ").append(m.name()).append("  ").append(kind(m)).append('\n');
      s.append("    request   ").append(root(m.request(), types)).append('\n');
      s.append("    response  ").append(root(m.response(), types)).append('\n');
    }
    for (NamedType t : types.values()) {
      s.append('\n');
      if (t instanceof NamedType.MessageType m) {
        boolean array = m.shape() == WireShape.ARRAY;
        s.append("message ")
            .append(m.name())
            .append(array ? "  (array: [field0, field1, ...])" : "  (map: {\"field\": value})")
            .append('\n');
        int width = m.fields().stream().mapToInt(f -> f.name().length()).max().orElse(0);
        for (NamedType.Field f : m.fields()) {
          s.append("  ")
              .append(array ? String.format(Locale.ROOT, "%-5s", "[" + f.index() + "]") : "")
              .append(String.format(Locale.ROOT, "%-" + width + "s  ", f.name()))
              .append(type(f.type()))
              .append(f.nullable() ? "  (may be null)" : "")
              .append('\n');
        }
      } else if (t instanceof NamedType.EnumType e) {
        s.append("enum ").append(e.name()).append("  (the name in JSON, the value on the wire)\n");
        for (NamedType.Constant c : e.constants()) {
          s.append("  ").append(c.name()).append(" = ").append(c.value()).append('\n');
        }
      } else if (t instanceof NamedType.UnionType u) {
        s.append("union ")
            .append(u.name())
            .append("  ([tag, value] on the wire, {\"Variant\": value} in JSON)\n");
        for (NamedType.Variant v : u.variants()) {
          s.append("  ")
              .append(v.tag())
              .append(' ')
              .append(v.name())
              .append("  ")
              .append(type(v.type()))
              .append('\n');
        }
      }
    }
    return s.toString();
  }

  /** Returns the call kind in words: unary, server-streaming, client-streaming, bidi-streaming. */
  static String kind(MethodSchema m) {
    return switch (m.kind()) {
      case UNARY -> "unary";
      case SERVER_STREAMING -> "server-streaming";
      case CLIENT_STREAMING -> "client-streaming";
      case BIDI_STREAMING -> "bidi-streaming";
      default -> m.kind().name().toLowerCase(Locale.ROOT);
    };
  }

  private static String root(Schema schema, Map<String, NamedType> types) {
    if (schema == null) {
      return "(no schema published: not MessagePack)";
    }
    schema.types().forEach(types::putIfAbsent);
    return type(schema.root());
  }

  /**
   * Returns a type as text: {@code int64}, {@code list<string>}, {@code map<string, demo.User>}.
   */
  static String type(TypeRef t) {
    if (t instanceof TypeRef.Scalar s) {
      return s.kind().wireName();
    } else if (t instanceof TypeRef.ListOf l) {
      return (l.unique() ? "set<" : "list<") + type(l.element()) + ">";
    } else if (t instanceof TypeRef.MapOf m) {
      return "map<" + type(m.key()) + ", " + type(m.value()) + ">";
    } else if (t instanceof TypeRef.OptionalOf o) {
      return "optional<" + type(o.value()) + ">";
    } else if (t instanceof TypeRef.Named n) {
      return n.name();
    }
    return "any (" + ((TypeRef.Opaque) t).javaType() + ", written by a hand-written codec)";
  }
}
