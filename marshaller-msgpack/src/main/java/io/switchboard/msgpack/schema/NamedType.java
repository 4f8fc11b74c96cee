package io.switchboard.msgpack.schema;

import io.switchboard.msgpack.WireShape;
import java.util.List;
import java.util.Objects;

/**
 * A type defined once in a {@link Schema} and referred to by {@link TypeRef.Named}: a message
 * (record or class), an enum, or a sealed union. Its name is the Java type's canonical name (nested
 * types joined by {@code .}; a generic type with its arguments, e.g. {@code demo.Page<demo.User>}).
 */
public sealed interface NamedType {
  /** Returns the type's name, its key in {@link Schema#types()}. */
  String name();

  /**
   * A record or class: an array (element {@code i} is the field with index {@code i}) or a map
   * (field name to value), by {@code shape}.
   *
   * @param fields the fields in declaration order (the map shape's order)
   */
  record MessageType(String name, WireShape shape, List<Field> fields) implements NamedType {
    /**
     * @throws NullPointerException if an argument is null
     */
    public MessageType {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(shape, "shape");
      fields = List.copyOf(fields);
    }

    /** Returns the field with this name, or null. */
    public Field field(String fieldName) {
      for (Field f : fields) {
        if (f.name().equals(fieldName)) {
          return f;
        }
      }
      return null;
    }
  }

  /**
   * One field of a message. Every field may be absent on the wire (a reader then takes its default:
   * 0 or false for a primitive, empty for a collection, map or optional, else null).
   *
   * @param index the field's position in the array shape ({@code -1} for a map-shaped class field
   *     without {@code @MessagePackIndex})
   * @param nullable whether a writer may write nil for it (any non-primitive field)
   */
  record Field(String name, int index, TypeRef type, boolean nullable) {
    /**
     * @throws NullPointerException if the name or type is null
     */
    public Field {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
    }
  }

  /** An enum, written as the int {@code value} of its constant (or its name, on reading). */
  record EnumType(String name, List<Constant> constants) implements NamedType {
    /**
     * @throws NullPointerException if an argument is null
     */
    public EnumType {
      Objects.requireNonNull(name, "name");
      constants = List.copyOf(constants);
    }
  }

  /** An enum constant and the int written for it. */
  record Constant(String name, int value) {
    /**
     * @throws NullPointerException if the name is null
     */
    public Constant {
      Objects.requireNonNull(name, "name");
    }
  }

  /** A sealed interface or class, written as {@code [tag, value]}. */
  record UnionType(String name, List<Variant> variants) implements NamedType {
    /**
     * @throws NullPointerException if an argument is null
     */
    public UnionType {
      Objects.requireNonNull(name, "name");
      variants = List.copyOf(variants);
    }
  }

  /**
   * One permitted subtype of a union.
   *
   * @param tag the subtype's {@code @MessagePackIndex}, written first in the pair
   * @param name the subtype's simple name: the key of its canonical JSON form
   * @param type the subtype's own type
   */
  record Variant(int tag, String name, TypeRef type) {
    /**
     * @throws NullPointerException if the name or type is null
     */
    public Variant {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
    }
  }
}
