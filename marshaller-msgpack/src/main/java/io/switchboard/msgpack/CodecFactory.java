package io.switchboard.msgpack;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the codec of a type and of every type it reaches, once, with all the reflection done here.
 * Not thread-safe: one factory per marshaller being made.
 */
final class CodecFactory {
  private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

  /** The type of {@link ObjectCodec}'s constructing handle. */
  private static final MethodType CONSTRUCT =
      MethodType.methodType(Object.class, Object[].class, long[].class);

  private static final MethodHandle REF_ELEMENT = MethodHandles.arrayElementGetter(Object[].class);
  private static final MethodHandle PRIM_ELEMENT = MethodHandles.arrayElementGetter(long[].class);
  private static final MethodHandle LONG_BITS_TO_DOUBLE;

  static {
    try {
      LONG_BITS_TO_DOUBLE =
          LOOKUP.findStatic(
              Double.class, "longBitsToDouble", MethodType.methodType(double.class, long.class));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final MessagePackSettings settings;
  private final Map<Type, Codec<?>> built = new HashMap<>();

  CodecFactory(MessagePackSettings settings) {
    this.settings = settings;
  }

  /**
   * Returns the codec of {@code type}.
   *
   * @param where the field or position that has this type, for error messages
   * @throws IllegalArgumentException if the type, or one it reaches, has no codec
   */
  @SuppressWarnings("unchecked")
  Codec<Object> codecFor(Type type, String where) {
    Codec<?> codec = built.get(type);
    if (codec == null) {
      codec = create(type, where);
      built.put(type, codec);
    }
    return (Codec<Object>) codec;
  }

  private Codec<?> create(Type type, String where) {
    if (type instanceof TypeVariable<?> v) {
      throw unsupported(
          type,
          where,
          "type variable "
              + v.getName()
              + " is unbound; give the full type with MessagePackMarshaller.of(new TypeToken<...>()"
              + " {})");
    }
    Class<?> raw = TypeResolver.raw(type);
    MessagePackCodec<?> custom = settings.codecs().find(raw);
    if (custom != null) {
      return new Codec.Custom<>(custom, SchemaCollector.nameOf(type));
    }
    Codec<?> scalar = ScalarCodecs.find(raw);
    if (scalar != null) {
      return scalar;
    }
    if (raw.isEnum()) {
      return enumCodec(raw);
    }
    if (raw == int[].class) {
      return new ContainerCodecs.IntArrayCodec();
    }
    if (raw == long[].class) {
      return new ContainerCodecs.LongArrayCodec();
    }
    if (raw == double[].class) {
      return new ContainerCodecs.DoubleArrayCodec();
    }
    if (raw.isArray()) {
      Type component =
          type instanceof GenericArrayType a ? a.getGenericComponentType() : raw.getComponentType();
      return new ContainerCodecs.ArrayCodec(
          raw.getComponentType(), codecFor(component, where + "[]"));
    }
    if (raw == List.class || raw == Collection.class || raw == Set.class) {
      return new ContainerCodecs.CollectionCodec<>(
          codecFor(argument(type, 0, where), where + "[]"), raw == Set.class);
    }
    if (raw == Map.class) {
      return new ContainerCodecs.MapCodec<>(
          codecFor(argument(type, 0, where), where + "{key}"),
          codecFor(argument(type, 1, where), where + "{value}"));
    }
    if (raw == Optional.class) {
      return new ContainerCodecs.OptionalCodec<>(codecFor(argument(type, 0, where), where));
    }
    if (raw.isSealed() && (raw.isInterface() || Modifier.isAbstract(raw.getModifiers()))) {
      return deferred(type, () -> unionCodec(raw, where));
    }
    if (raw.isRecord()) {
      return deferred(type, () -> recordCodec(type, raw));
    }
    if (raw.isInterface()
        || Modifier.isAbstract(raw.getModifiers())
        || raw.isPrimitive()
        || raw.getName().startsWith("java.")
        || raw.getName().startsWith("javax.")) {
      throw unsupported(
          type,
          where,
          "no built-in codec; declare a supported type or register a MessagePackCodec for it in a"
              + " CodecRegistry");
    }
    return deferred(type, () -> pojoCodec(type, raw));
  }

  private interface Builder {
    Codec<Object> build();
  }

  /** Builds a codec that may refer to itself (a recursive type) through a forwarding codec. */
  private Codec<?> deferred(Type type, Builder builder) {
    Codec.Deferred<Object> self = new Codec.Deferred<>();
    built.put(type, self);
    try {
      Codec<Object> codec = builder.build();
      self.set(codec);
      return codec;
    } catch (RuntimeException e) {
      built.remove(type);
      throw e;
    }
  }

  private Type argument(Type type, int i, String where) {
    if (type instanceof ParameterizedType p) {
      return p.getActualTypeArguments()[i];
    }
    throw unsupported(type, where, "raw type; declare its type arguments, e.g. List<String>");
  }

  private Codec<Object> enumCodec(Class<?> type) {
    Object[] constants = type.getEnumConstants();
    int[] indexByOrdinal = new int[constants.length];
    Set<Integer> seen = new HashSet<>();
    int annotated = 0;
    for (Object c : constants) {
      Enum<?> e = (Enum<?>) c;
      MessagePackIndex index;
      try {
        index = type.getField(e.name()).getAnnotation(MessagePackIndex.class);
      } catch (NoSuchFieldException impossible) {
        throw new AssertionError(impossible);
      }
      if (index != null) {
        annotated++;
        checkIndex(type, e.name(), index.value(), seen);
      }
      indexByOrdinal[e.ordinal()] = index == null ? e.ordinal() : index.value();
    }
    if (annotated != 0 && annotated != constants.length) {
      throw new IllegalArgumentException(
          type.getName() + ": @MessagePackIndex on some constants only (expected: all or none)");
    }
    @SuppressWarnings("unchecked")
    Codec<Object> codec =
        (Codec<Object>)
            (Codec<?>) new EnumCodec(SchemaCollector.nameOf(type), constants, indexByOrdinal);
    return codec;
  }

  private Codec<Object> unionCodec(Class<?> type, String where) {
    Class<?>[] permitted = type.getPermittedSubclasses();
    List<UnionCodec.Case> cases = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    int maxIndex = -1;
    for (Class<?> sub : permitted) {
      MessagePackIndex index = sub.getAnnotation(MessagePackIndex.class);
      if (index == null) {
        throw new IllegalArgumentException(
            sub.getName()
                + ": a subtype of sealed "
                + type.getName()
                + " without @MessagePackIndex (expected: a type index on every permitted subtype)");
      }
      checkIndex(type, sub.getSimpleName(), index.value(), seen);
      maxIndex = Math.max(maxIndex, index.value());
      cases.add(
          new UnionCodec.Case(
              index.value(), sub, codecFor(sub, where + "<" + sub.getSimpleName() + ">")));
    }
    UnionCodec.Case[] byIndex = new UnionCodec.Case[maxIndex + 1];
    Map<Class<?>, UnionCodec.Case> byType = new HashMap<>();
    for (UnionCodec.Case c : cases) {
      byIndex[c.index()] = c;
      byType.put(c.type(), c);
    }
    return new UnionCodec(
        type.getSimpleName(), SchemaCollector.nameOf(type), byIndex, Map.copyOf(byType));
  }

  private Codec<Object> recordCodec(Type type, Class<?> raw) {
    TypeResolver resolver = TypeResolver.of(type);
    RecordComponent[] components = raw.getRecordComponents();
    WireShape shape = shapeOf(raw);
    int annotated = 0;
    for (RecordComponent c : components) {
      annotated += c.isAnnotationPresent(MessagePackIndex.class) ? 1 : 0;
    }
    if (annotated != 0 && annotated != components.length) {
      throw new IllegalArgumentException(
          raw.getName() + ": @MessagePackIndex on some components only (expected: all or none)");
    }
    List<ObjectCodec.Field> fields = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    Class<?>[] parameterTypes = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      parameterTypes[i] = c.getType();
      MessagePackIndex index = c.getAnnotation(MessagePackIndex.class);
      int wireIndex = index == null ? i : index.value();
      checkIndex(raw, c.getName(), wireIndex, seen);
      fields.add(
          field(
              raw,
              c.getName(),
              wireIndex,
              c.getType(),
              resolver.resolve(c.getGenericType()),
              Getters.ofComponent(raw, i),
              fields));
    }
    Constructor<?> constructor;
    try {
      constructor = raw.getDeclaredConstructor(parameterTypes);
    } catch (NoSuchMethodException e) {
      throw new AssertionError("a record without its canonical constructor: " + raw, e);
    }
    return new ObjectCodec(
        raw.getSimpleName(),
        SchemaCollector.nameOf(type),
        shape,
        fields,
        construct(raw, constructor, fields));
  }

  private Codec<Object> pojoCodec(Type type, Class<?> raw) {
    WireShape shape = shapeOf(raw);
    List<Field> declared = new ArrayList<>();
    List<Type> fieldTypes = new ArrayList<>();
    collectFields(type, declared, fieldTypes);
    if (declared.isEmpty()) {
      throw new IllegalArgumentException(
          raw.getName() + ": no instance fields (expected: a record, enum or class with fields)");
    }
    List<ObjectCodec.Field> fields = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    boolean anyFinal = false;
    for (int i = 0; i < declared.size(); i++) {
      Field f = declared.get(i);
      MessagePackIndex index = f.getAnnotation(MessagePackIndex.class);
      if (index == null && shape == WireShape.ARRAY) {
        throw new IllegalArgumentException(
            raw.getName()
                + "."
                + f.getName()
                + ": no @MessagePackIndex (expected: on every field of a class in the ARRAY shape,"
                + " as reflection does not promise field order)");
      }
      int wireIndex = index == null ? -1 : index.value();
      if (index != null) {
        checkIndex(raw, f.getName(), wireIndex, seen);
      }
      anyFinal |= Modifier.isFinal(f.getModifiers());
      fields.add(
          field(
              raw,
              f.getName(),
              wireIndex,
              f.getType(),
              fieldTypes.get(i),
              Getters.ofField(raw, f),
              fields));
    }
    MethodHandle construct = anyFinal ? null : constructWithSetters(raw, declared, fields);
    if (construct == null) {
      Class<?>[] parameterTypes = declared.stream().map(Field::getType).toArray(Class<?>[]::new);
      try {
        construct = construct(raw, raw.getDeclaredConstructor(parameterTypes), fields);
      } catch (NoSuchMethodException e) {
        throw new IllegalArgumentException(
            raw.getName()
                + ": no way to construct (expected: a no-arg constructor and non-final fields, or a"
                + " constructor taking all fields in declaration order: "
                + Arrays.toString(parameterTypes)
                + ")");
      }
    }
    return new ObjectCodec(
        raw.getSimpleName(), SchemaCollector.nameOf(type), shape, fields, construct);
  }

  /** Collects the instance fields of {@code type} and its superclasses, superclass first. */
  private static void collectFields(Type type, List<Field> fields, List<Type> types) {
    Class<?> raw = TypeResolver.raw(type);
    TypeResolver resolver = TypeResolver.of(type);
    Type superclass = raw.getGenericSuperclass();
    if (superclass != null && TypeResolver.raw(superclass) != Object.class) {
      collectFields(resolver.resolve(superclass), fields, types);
    }
    for (Field f : raw.getDeclaredFields()) {
      int modifiers = f.getModifiers();
      if (!Modifier.isStatic(modifiers) && !Modifier.isTransient(modifiers) && !f.isSynthetic()) {
        fields.add(f);
        types.add(resolver.resolve(f.getGenericType()));
      }
    }
  }

  /**
   * Returns a field of {@code declared} class (its generic type being {@code type}), its slot
   * numbered after the fields {@code before} it of the same {@linkplain
   * ObjectCodec.Kind#primitive() primitiveness}.
   */
  private ObjectCodec.Field field(
      Class<?> owner,
      String name,
      int index,
      Class<?> declared,
      Type type,
      Object getter,
      List<ObjectCodec.Field> before) {
    Codec<Object> codec = codecFor(type, owner.getSimpleName() + "." + name);
    ObjectCodec.Kind kind = ObjectCodec.Kind.of(declared);
    if (kind == ObjectCodec.Kind.STRING && (Codec<?>) codec != ScalarCodecs.find(String.class)) {
      kind = ObjectCodec.Kind.CODEC; // a registered String codec
    }
    boolean primitive = kind.primitive();
    int slot = (int) before.stream().filter(f -> f.kind.primitive() == primitive).count();
    Object defaultValue = declared.isPrimitive() ? ScalarCodecs.zeroOf(declared) : codec.nilValue();
    return new ObjectCodec.Field(
        name, index, kind, codec, getter, defaultValue, slot, !declared.isPrimitive());
  }

  /**
   * Returns {@code (Object[] refs, long[] prims)Object} calling {@code constructor} with the
   * decoded values of {@code fields}, which are its parameters in order.
   */
  private static MethodHandle construct(
      Class<?> raw, Constructor<?> constructor, List<ObjectCodec.Field> fields) {
    Getters.makeAccessible(raw, constructor);
    MethodHandle create;
    try {
      create = LOOKUP.unreflectConstructor(constructor);
    } catch (IllegalAccessException e) {
      throw Getters.inaccessible(raw, e);
    }
    Class<?>[] parameterTypes = constructor.getParameterTypes();
    MethodHandle[] values = new MethodHandle[fields.size()];
    int[] reorder = new int[fields.size()];
    for (int i = 0; i < values.length; i++) {
      ObjectCodec.Field f = fields.get(i);
      values[i] = decodedValue(f, parameterTypes[i]);
      reorder[i] = f.kind.primitive() ? 1 : 0;
    }
    create = create.asType(create.type().changeReturnType(Object.class));
    return MethodHandles.permuteArguments(
        MethodHandles.filterArguments(create, 0, values), CONSTRUCT, reorder);
  }

  /**
   * Returns {@code (Object[] refs, long[] prims)Object} calling the no-arg constructor, then the
   * setter of each field with its decoded value; null if there is no no-arg constructor.
   */
  private static MethodHandle constructWithSetters(
      Class<?> raw, List<Field> declared, List<ObjectCodec.Field> fields) {
    Constructor<?> noArg;
    try {
      noArg = raw.getDeclaredConstructor();
    } catch (NoSuchMethodException e) {
      return null;
    }
    Getters.makeAccessible(raw, noArg);
    try {
      // (Object instance, Object[] refs, long[] prims)Object: sets every field, returns instance
      MethodHandle body =
          MethodHandles.dropArguments(
              MethodHandles.identity(Object.class), 1, Object[].class, long[].class);
      for (int i = fields.size() - 1; i >= 0; i--) {
        Field field = declared.get(i);
        ObjectCodec.Field f = fields.get(i);
        MethodHandle set =
            LOOKUP
                .unreflectSetter(field)
                .asType(MethodType.methodType(void.class, Object.class, field.getType()));
        set = MethodHandles.filterArguments(set, 1, decodedValue(f, field.getType()));
        set =
            f.kind.primitive()
                ? MethodHandles.dropArguments(set, 1, Object[].class)
                : MethodHandles.dropArguments(set, 2, long[].class);
        body = MethodHandles.foldArguments(body, set);
      }
      MethodHandle create =
          LOOKUP.unreflectConstructor(noArg).asType(MethodType.methodType(Object.class));
      return MethodHandles.foldArguments(
          body, MethodHandles.dropArguments(create, 0, Object[].class, long[].class));
    } catch (IllegalAccessException e) {
      throw Getters.inaccessible(raw, e);
    }
  }

  /**
   * Returns {@code (Object[] refs)type} or {@code (long[] prims)type}, by the field's kind: its
   * decoded value (see {@link ObjectCodec.Kind} for how primitives are held), as {@code type}.
   */
  private static MethodHandle decodedValue(ObjectCodec.Field f, Class<?> type) {
    if (!f.kind.primitive()) {
      return MethodHandles.insertArguments(REF_ELEMENT, 1, f.slot)
          .asType(MethodType.methodType(type, Object[].class));
    }
    MethodHandle bits = MethodHandles.insertArguments(PRIM_ELEMENT, 1, f.slot);
    if (f.kind == ObjectCodec.Kind.FLOAT || f.kind == ObjectCodec.Kind.DOUBLE) {
      bits = MethodHandles.filterReturnValue(bits, LONG_BITS_TO_DOUBLE);
    }
    // long to int (the value is an int), long to boolean (tests bit 0), double to float (exact)
    return MethodHandles.explicitCastArguments(bits, MethodType.methodType(type, long[].class));
  }

  private WireShape shapeOf(Class<?> raw) {
    MessagePackShape shape = raw.getAnnotation(MessagePackShape.class);
    return shape == null ? settings.defaultShape() : shape.value();
  }

  private static void checkIndex(Class<?> owner, String name, int index, Set<Integer> seen) {
    if (index < 0) {
      throw new IllegalArgumentException(
          owner.getName() + "." + name + ": @MessagePackIndex(" + index + ") (expected: >= 0)");
    }
    if (index > 4096) {
      throw new IllegalArgumentException(
          owner.getName()
              + "."
              + name
              + ": @MessagePackIndex("
              + index
              + ") (expected: <= 4096; every gap below it costs a nil byte)");
    }
    if (!seen.add(index)) {
      throw new IllegalArgumentException(
          owner.getName() + "." + name + ": @MessagePackIndex(" + index + ") is used twice");
    }
  }

  private static IllegalArgumentException unsupported(Type type, String where, String problem) {
    return new IllegalArgumentException(
        "cannot marshal " + type.getTypeName() + " (at " + where + "): " + problem);
  }
}
