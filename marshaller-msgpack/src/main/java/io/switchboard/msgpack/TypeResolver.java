package io.switchboard.msgpack;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Substitutes type variables, so that {@code Page<User>}'s {@code List<T>} becomes {@code
 * List<User>}.
 */
final class TypeResolver {
  private final Map<TypeVariable<?>, Type> bindings;

  private TypeResolver(Map<TypeVariable<?>, Type> bindings) {
    this.bindings = bindings;
  }

  /** Returns the resolver of the variables of {@code type} (a class or parameterized class). */
  static TypeResolver of(Type type) {
    Map<TypeVariable<?>, Type> bindings = new HashMap<>();
    if (type instanceof ParameterizedType p) {
      TypeVariable<?>[] variables = raw(p).getTypeParameters();
      Type[] arguments = p.getActualTypeArguments();
      for (int i = 0; i < variables.length; i++) {
        bindings.put(variables[i], arguments[i]);
      }
    }
    return new TypeResolver(bindings);
  }

  /** Returns the class of a class, parameterized type or generic array type. */
  static Class<?> raw(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    if (type instanceof GenericArrayType a) {
      return java.lang.reflect.Array.newInstance(raw(a.getGenericComponentType()), 0).getClass();
    }
    if (type instanceof WildcardType w) {
      return raw(w.getUpperBounds()[0]);
    }
    throw new IllegalArgumentException("unbound type variable " + type.getTypeName());
  }

  /**
   * Returns {@code type} with the bound variables replaced and wildcards replaced by their upper
   * bound; a variable that is not bound stays.
   */
  Type resolve(Type type) {
    if (type instanceof TypeVariable<?> v) {
      Type bound = bindings.get(v);
      return bound == null ? v : bound;
    }
    if (type instanceof WildcardType w) {
      return resolve(w.getUpperBounds()[0]);
    }
    if (type instanceof GenericArrayType a) {
      Type component = resolve(a.getGenericComponentType());
      return component instanceof Class<?> c
          ? java.lang.reflect.Array.newInstance(c, 0).getClass()
          : new GenericArray(component);
    }
    if (type instanceof ParameterizedType p) {
      Type[] arguments = p.getActualTypeArguments().clone();
      for (int i = 0; i < arguments.length; i++) {
        arguments[i] = resolve(arguments[i]);
      }
      return new Parameterized(p.getOwnerType(), (Class<?>) p.getRawType(), arguments);
    }
    return type;
  }

  /** A parameterized type equal to the JDK's for the same class and arguments. */
  private record Parameterized(Type owner, Class<?> rawType, Type[] arguments)
      implements ParameterizedType {
    @Override
    public Type[] getActualTypeArguments() {
      return arguments.clone();
    }

    @Override
    public Type getRawType() {
      return rawType;
    }

    @Override
    public Type getOwnerType() {
      return owner;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ParameterizedType p
          && Objects.equals(owner, p.getOwnerType())
          && rawType.equals(p.getRawType())
          && Arrays.equals(arguments, p.getActualTypeArguments());
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(arguments) ^ Objects.hashCode(owner) ^ rawType.hashCode();
    }

    @Override
    public String toString() {
      StringBuilder s = new StringBuilder(rawType.getTypeName()).append('<');
      for (int i = 0; i < arguments.length; i++) {
        s.append(i == 0 ? "" : ", ").append(arguments[i].getTypeName());
      }
      return s.append('>').toString();
    }
  }

  /** A generic array type equal to the JDK's for the same component. */
  private record GenericArray(Type component) implements GenericArrayType {
    @Override
    public Type getGenericComponentType() {
      return component;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof GenericArrayType a && component.equals(a.getGenericComponentType());
    }

    @Override
    public int hashCode() {
      return component.hashCode();
    }

    @Override
    public String toString() {
      return component.getTypeName() + "[]";
    }
  }
}
