package io.switchboard.msgpack;

import java.lang.invoke.CallSite;
import java.lang.invoke.LambdaConversionException;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Field;
import java.lang.reflect.RecordComponent;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * Typed getters of record components and class fields, made when a codec is built so that encoding
 * reads a field with one interface call and no boxing. By the {@linkplain ObjectCodec.Kind kind} of
 * the field's declared class, a getter is a {@link ToLongFunction} (long), {@link ToIntFunction}
 * (int), {@link Predicate} (boolean), {@link ToDoubleFunction} (float and double, widened) or
 * {@link Function} (anything else; byte, short and char boxed).
 *
 * <p>A record component's getter is a class that {@link LambdaMetafactory} spins around its
 * accessor, as for {@code User::id}: the JIT compiles the accessor into it. That needs a lookup
 * with full privilege in the record's class, which {@link MethodHandles#privateLookupIn} gives when
 * the record's package is open to this module (always on the class path). Where it is not, and for
 * the fields of classes (which {@code LambdaMetafactory} cannot read), the getter calls a method
 * handle instead, still typed.
 */
final class Getters {
  private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

  /**
   * The getters of each record class's components, in component order. Spun classes live as long as
   * the record's class loader, so they are made once per record class, not once per marshaller.
   */
  private static final ClassValue<Object[]> RECORD_GETTERS =
      new ClassValue<>() {
        @Override
        protected Object[] computeValue(Class<?> record) {
          RecordComponent[] components = record.getRecordComponents();
          Object[] getters = new Object[components.length];
          for (int i = 0; i < components.length; i++) {
            getters[i] = spin(record, components[i]);
          }
          return getters;
        }
      };

  private Getters() {}

  /**
   * Returns the getter of component {@code i} of a record.
   *
   * @throws IllegalArgumentException if the accessor is not accessible to this module
   */
  static Object ofComponent(Class<?> record, int i) {
    return RECORD_GETTERS.get(record)[i];
  }

  /**
   * Returns the getter of a field of a class.
   *
   * @throws IllegalArgumentException if the field is not accessible to this module
   */
  static Object ofField(Class<?> owner, Field field) {
    makeAccessible(owner, field);
    try {
      return ofHandle(LOOKUP.unreflectGetter(field), field.getType());
    } catch (IllegalAccessException e) {
      throw inaccessible(owner, e);
    }
  }

  private static Object spin(Class<?> record, RecordComponent component) {
    Class<?> type = component.getType();
    Sam sam = Sam.of(type);
    MethodHandle factory;
    try {
      MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(record, LOOKUP);
      CallSite site =
          LambdaMetafactory.metafactory(
              lookup,
              sam.method,
              MethodType.methodType(sam.type),
              MethodType.methodType(sam.returns, Object.class),
              lookup.unreflect(component.getAccessor()),
              MethodType.methodType(sam.returns, record));
      factory = site.getTarget();
    } catch (ReflectiveOperationException | LambdaConversionException | RuntimeException e) {
      // Not open to this module (or not in it): call the accessor through a method handle.
      java.lang.reflect.Method accessor = component.getAccessor();
      makeAccessible(record, accessor);
      try {
        return ofHandle(LOOKUP.unreflect(accessor), type);
      } catch (IllegalAccessException inaccessible) {
        throw inaccessible(record, inaccessible);
      }
    }
    try {
      return factory.invoke();
    } catch (Throwable t) { // the factory of a non-capturing lambda only returns its instance
      throw new AssertionError("spun getter of " + record.getName() + "." + component.getName(), t);
    }
  }

  /**
   * Returns a getter calling {@code handle}, of type {@code (Owner)type}: the path for what {@link
   * LambdaMetafactory} cannot or may not spin.
   */
  static Object ofHandle(MethodHandle handle, Class<?> type) {
    Sam sam = Sam.of(type);
    MethodHandle h = handle.asType(MethodType.methodType(sam.returns, Object.class));
    if (sam.returns == long.class) {
      return (ToLongFunction<Object>)
          o -> {
            try {
              return (long) h.invokeExact(o);
            } catch (Throwable t) {
              throw accessorFailed(t);
            }
          };
    } else if (sam.returns == int.class) {
      return (ToIntFunction<Object>)
          o -> {
            try {
              return (int) h.invokeExact(o);
            } catch (Throwable t) {
              throw accessorFailed(t);
            }
          };
    } else if (sam.returns == boolean.class) {
      return (Predicate<Object>)
          o -> {
            try {
              return (boolean) h.invokeExact(o);
            } catch (Throwable t) {
              throw accessorFailed(t);
            }
          };
    } else if (sam.returns == double.class) {
      return (ToDoubleFunction<Object>)
          o -> {
            try {
              return (double) h.invokeExact(o);
            } catch (Throwable t) {
              throw accessorFailed(t);
            }
          };
    }
    return (Function<Object, Object>)
        o -> {
          try {
            return (Object) h.invokeExact(o);
          } catch (Throwable t) {
            throw accessorFailed(t);
          }
        };
  }

  /** Rethrows an unchecked failure of an accessor; wraps a checked one. */
  private static RuntimeException accessorFailed(Throwable t) {
    if (t instanceof RuntimeException e) {
      return e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new CodecException("accessor threw " + t, t);
  }

  /** The functional interface of a getter: its type, method name and return type. */
  private enum Sam {
    LONG(ToLongFunction.class, "applyAsLong", long.class),
    INT(ToIntFunction.class, "applyAsInt", int.class),
    BOOLEAN(Predicate.class, "test", boolean.class),
    DOUBLE(ToDoubleFunction.class, "applyAsDouble", double.class),
    OBJECT(Function.class, "apply", Object.class);

    final Class<?> type;
    final String method;
    final Class<?> returns;

    Sam(Class<?> type, String method, Class<?> returns) {
      this.type = type;
      this.method = method;
      this.returns = returns;
    }

    static Sam of(Class<?> fieldType) {
      return switch (ObjectCodec.Kind.of(fieldType)) {
        case LONG -> LONG;
        case INT -> INT;
        case BOOLEAN -> BOOLEAN;
        case FLOAT, DOUBLE -> DOUBLE;
        case STRING, CODEC -> OBJECT;
      };
    }
  }

  static void makeAccessible(Class<?> raw, AccessibleObject member) {
    try {
      member.setAccessible(true);
    } catch (RuntimeException e) { // InaccessibleObjectException, SecurityException
      throw inaccessible(raw, e);
    }
  }

  static IllegalArgumentException inaccessible(Class<?> raw, Exception e) {
    return new IllegalArgumentException(
        raw.getName()
            + ": not accessible to io.switchboard.msgpack (open its package to it: "
            + e.getMessage()
            + ")",
        e);
  }
}
