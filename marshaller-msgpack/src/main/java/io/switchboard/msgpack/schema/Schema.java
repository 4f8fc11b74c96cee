package io.switchboard.msgpack.schema;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The schema of one message type: what a {@code MessagePackMarshaller} writes and reads, described
 * so that code without the Java types (the gateway's JSON mapping, the command-line client, a
 * foreign client) can read, write and show its messages by field name.
 *
 * <p>Get it from {@code MessagePackMarshaller.schema()}: it is built from the same codecs that
 * write the bytes, so it cannot drift from them. It travels as map-shaped MessagePack (see {@link
 * SchemaCodec} and {@code WIRE-FORMAT.md}). Immutable.
 *
 * @param root the message's type, usually a {@link TypeRef.Named} reference into {@code types}
 * @param types every named type the root reaches, by name, in the order first reached (the root's
 *     own first), each defined once; recursive types refer to themselves by name
 */
public record Schema(TypeRef root, Map<String, NamedType> types) {
  /**
   * Checks that every named type is defined and keeps the types' order.
   *
   * @throws NullPointerException if an argument, a name or a type is null
   * @throws IllegalArgumentException if a type is filed under another name than its own, or a
   *     reference names no defined type
   */
  public Schema {
    Objects.requireNonNull(root, "root");
    Map<String, NamedType> copy = new LinkedHashMap<>();
    for (Map.Entry<String, NamedType> e : types.entrySet()) {
      NamedType t = Objects.requireNonNull(e.getValue(), () -> "type " + e.getKey());
      if (!t.name().equals(e.getKey())) {
        throw new IllegalArgumentException(
            "types: \"" + e.getKey() + "\" holds " + t.name() + " (expected: its own name)");
      }
      copy.put(e.getKey(), t);
    }
    types = Collections.unmodifiableMap(copy);
    checkRefs(root, types);
    for (NamedType t : types.values()) {
      if (t instanceof NamedType.MessageType m) {
        m.fields().forEach(f -> checkRefs(f.type(), copy));
      } else if (t instanceof NamedType.UnionType u) {
        u.variants().forEach(v -> checkRefs(v.type(), copy));
      }
    }
  }

  /**
   * Returns the type a reference names.
   *
   * @throws IllegalArgumentException if no type has that name
   */
  public NamedType type(String name) {
    NamedType t = types.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          "type: \"" + name + "\" (expected: one of " + types.keySet() + ")");
    }
    return t;
  }

  /**
   * Returns the message type at the root, or null when the root is not a message (a list, a scalar,
   * an enum...).
   */
  public NamedType.MessageType rootMessage() {
    return root instanceof TypeRef.Named n && types.get(n.name()) instanceof NamedType.MessageType m
        ? m
        : null;
  }

  private static void checkRefs(TypeRef type, Map<String, NamedType> types) {
    if (type instanceof TypeRef.Named n && !types.containsKey(n.name())) {
      throw new IllegalArgumentException(
          "type reference \"" + n.name() + "\" (expected: a type defined in the schema)");
    } else if (type instanceof TypeRef.ListOf l) {
      checkRefs(l.element(), types);
    } else if (type instanceof TypeRef.MapOf m) {
      checkRefs(m.key(), types);
      checkRefs(m.value(), types);
    } else if (type instanceof TypeRef.OptionalOf o) {
      checkRefs(o.value(), types);
    }
  }
}
