package io.switchboard.msgpack.schema;

import java.util.Objects;

/**
 * The type of a value in a {@link Schema}: a scalar, a container of other types, a reference to a
 * {@linkplain NamedType named type} (record, class, enum or sealed union) defined in the schema's
 * {@link Schema#types() types}, or an opaque value written by a hand-written codec.
 */
public sealed interface TypeRef {
  /** A single value (numbers, strings, bytes, time, UUID, decimals). */
  record Scalar(ScalarKind kind) implements TypeRef {
    /**
     * @throws NullPointerException if the kind is null
     */
    public Scalar {
      Objects.requireNonNull(kind, "kind");
    }
  }

  /**
   * A MessagePack array of {@code element}: a {@code List}, {@code Collection}, Java array, or
   * (when {@code unique}) a {@code Set}. Elements may be nil, except in arrays of primitives.
   */
  record ListOf(TypeRef element, boolean unique) implements TypeRef {
    /**
     * @throws NullPointerException if the element type is null
     */
    public ListOf {
      Objects.requireNonNull(element, "element");
    }
  }

  /** A MessagePack map from {@code key} to {@code value}. */
  record MapOf(TypeRef key, TypeRef value) implements TypeRef {
    /**
     * @throws NullPointerException if a type is null
     */
    public MapOf {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }
  }

  /** An {@code Optional}: nil when empty, else the value itself. */
  record OptionalOf(TypeRef value) implements TypeRef {
    /**
     * @throws NullPointerException if the value type is null
     */
    public OptionalOf {
      Objects.requireNonNull(value, "value");
    }
  }

  /** A reference, by name, to a type defined in {@link Schema#types()}. */
  record Named(String name) implements TypeRef {
    /**
     * @throws NullPointerException if the name is null
     */
    public Named {
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * Any one MessagePack value: the type has a hand-written codec ({@code MessagePackCodec}) whose
   * layout only its author knows.
   *
   * @param javaType the Java type's name, for people
   */
  record Opaque(String javaType) implements TypeRef {
    /**
     * @throws NullPointerException if the name is null
     */
    public Opaque {
      Objects.requireNonNull(javaType, "javaType");
    }
  }
}
