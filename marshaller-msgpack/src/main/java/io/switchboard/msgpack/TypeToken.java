package io.switchboard.msgpack;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/**
 * Captures a generic type for {@link MessagePackMarshaller#of(TypeToken)}, which a {@code Class}
 * cannot express:
 *
 * <pre>{@code
 * MessagePackMarshaller<Page<User>> pages = MessagePackMarshaller.of(new TypeToken<Page<User>>() {});
 * }</pre>
 *
 * @param <T> the captured type
 */
public abstract class TypeToken<T> {
  private final Type type;

  /**
   * Captures the type argument of the anonymous subclass being created.
   *
   * @throws IllegalStateException if the subclass does not give a concrete type argument
   */
  protected TypeToken() {
    Type superclass = getClass().getGenericSuperclass();
    if (!(superclass instanceof ParameterizedType parameterized)
        || parameterized.getRawType() != TypeToken.class) {
      throw new IllegalStateException(
          getClass().getName() + ": expected a direct anonymous subclass: new TypeToken<X>() {}");
    }
    this.type = parameterized.getActualTypeArguments()[0];
  }

  /** Returns the captured type. */
  public final Type type() {
    return type;
  }

  @Override
  public final boolean equals(Object o) {
    return o instanceof TypeToken<?> other && other.type.equals(type);
  }

  @Override
  public final int hashCode() {
    return type.hashCode();
  }

  @Override
  public final String toString() {
    return "TypeToken{" + type.getTypeName() + "}";
  }
}
