package io.switchboard.msgpack;

import io.switchboard.msgpack.schema.NamedType;
import io.switchboard.msgpack.schema.Schema;
import io.switchboard.msgpack.schema.TypeRef;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects the named types a codec tree reaches while it {@linkplain Codec#describe describes}
 * itself. A type is defined once, in the order it is first reached (the root first), and a
 * recursive type refers to itself by name. Not thread-safe: one per schema being built.
 */
final class SchemaCollector {
  private final Map<String, NamedType> types = new LinkedHashMap<>();

  /** Returns the schema name of a Java type: its type name with nested classes joined by '.'. */
  static String nameOf(Type type) {
    return type.getTypeName().replace('$', '.');
  }

  /**
   * Reserves {@code name}'s place; returns false if the type is already defined or being defined
   * (the caller then only refers to it).
   */
  boolean start(String name) {
    if (types.containsKey(name)) {
      return false;
    }
    types.put(name, null);
    return true;
  }

  /** Defines a type reserved by {@link #start}, returning the reference to it. */
  TypeRef define(NamedType type) {
    types.put(type.name(), type);
    return new TypeRef.Named(type.name());
  }

  /** Returns the schema of {@code codec}'s type. */
  static Schema schemaOf(Codec<?> codec) {
    SchemaCollector collector = new SchemaCollector();
    TypeRef root = codec.describe(collector);
    return new Schema(root, collector.types);
  }
}
