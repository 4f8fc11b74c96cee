package io.switchboard.msgpack;

import io.switchboard.msgpack.schema.ScalarKind;
import io.switchboard.msgpack.schema.TypeRef;
import java.io.IOException;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.msgpack.core.MessagePacker;

/** The built-in codecs of values holding other values: collections, maps, optionals, arrays. */
final class ContainerCodecs {
  private ContainerCodecs() {}

  /**
   * A {@code List}, {@code Set} or {@code Collection} as a MessagePack array. Decodes to an
   * unmodifiable list (or insertion-ordered set); nil decodes to an empty one.
   */
  static final class CollectionCodec<E> extends Codec<Collection<E>> {
    private final Codec<E> element;
    private final boolean set;

    CollectionCodec(Codec<E> element, boolean set) {
      this.element = element;
      this.set = set;
    }

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return new TypeRef.ListOf(element.describe(schemas), set);
    }

    @Override
    void write(MessagePacker out, Collection<E> value, int depthLeft) throws IOException {
      checkDepth(depthLeft);
      out.packArrayHeader(value.size());
      int i = 0;
      try {
        for (E e : value) {
          element.writeNullable(out, e, depthLeft - 1);
          i++;
        }
      } catch (IOException | RuntimeException e) {
        throw CodecException.of(e).inElement("[" + i + "]");
      }
    }

    @Override
    Collection<E> read(MessagePackReader in) throws IOException {
      in.enter();
      int n = in.readArrayHeader();
      Collection<E> result = set ? new LinkedHashSet<>(capacity(n)) : new ArrayList<>(n);
      int i = 0;
      try {
        for (; i < n; i++) {
          result.add(element.readNullable(in));
        }
      } catch (IOException | RuntimeException e) {
        throw CodecException.of(e).inElement("[" + i + "]");
      }
      in.exit();
      return set
          ? Collections.unmodifiableSet((Set<E>) result)
          : Collections.unmodifiableList((List<E>) result);
    }

    @Override
    Collection<E> nilValue() {
      return set ? Set.of() : List.of();
    }
  }

  /**
   * A {@code Map} as a MessagePack map. Decodes to an unmodifiable insertion-ordered map (a
   * repeated key keeps its last value); nil decodes to an empty one.
   */
  static final class MapCodec<K, V> extends Codec<Map<K, V>> {
    private final Codec<K> key;
    private final Codec<V> value;

    MapCodec(Codec<K> key, Codec<V> value) {
      this.key = key;
      this.value = value;
    }

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return new TypeRef.MapOf(key.describe(schemas), value.describe(schemas));
    }

    @Override
    void write(MessagePacker out, Map<K, V> map, int depthLeft) throws IOException {
      checkDepth(depthLeft);
      out.packMapHeader(map.size());
      int i = 0;
      try {
        for (Map.Entry<K, V> e : map.entrySet()) {
          key.writeNullable(out, e.getKey(), depthLeft - 1);
          value.writeNullable(out, e.getValue(), depthLeft - 1);
          i++;
        }
      } catch (IOException | RuntimeException e) {
        throw CodecException.of(e).inElement("{" + i + "}");
      }
    }

    @Override
    Map<K, V> read(MessagePackReader in) throws IOException {
      in.enter();
      int n = in.readMapHeader();
      Map<K, V> result = new LinkedHashMap<>(capacity(n));
      int i = 0;
      try {
        for (; i < n; i++) {
          K k = key.readNullable(in);
          result.put(k, value.readNullable(in));
        }
      } catch (IOException | RuntimeException e) {
        throw CodecException.of(e).inElement("{" + i + "}");
      }
      in.exit();
      return Collections.unmodifiableMap(result);
    }

    @Override
    Map<K, V> nilValue() {
      return Map.of();
    }
  }

  /** An {@code Optional}: nil when empty, the value otherwise; nil decodes to empty. */
  static final class OptionalCodec<E> extends Codec<Optional<E>> {
    private final Codec<E> element;

    OptionalCodec(Codec<E> element) {
      this.element = element;
    }

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return new TypeRef.OptionalOf(element.describe(schemas));
    }

    @Override
    void write(MessagePacker out, Optional<E> value, int depthLeft) throws IOException {
      checkDepth(depthLeft);
      if (value.isPresent()) {
        element.write(out, value.get(), depthLeft - 1);
      } else {
        out.packNil();
      }
    }

    @Override
    Optional<E> read(MessagePackReader in) throws IOException {
      in.enter();
      Optional<E> result = Optional.ofNullable(element.read(in));
      in.exit();
      return result;
    }

    @Override
    Optional<E> nilValue() {
      return Optional.empty();
    }
  }

  /**
   * A Java array (other than {@code byte[]}, which is bin, and {@code int[]}, {@code long[]} and
   * {@code double[]}, which have their own codecs below) as a MessagePack array; nil decodes to
   * null. Elements of a primitive array are never nil on the wire; a nil read into one becomes 0.
   */
  static final class ArrayCodec extends Codec<Object> {
    private final Class<?> componentType;
    private final Codec<Object> element;

    ArrayCodec(Class<?> componentType, Codec<Object> element) {
      this.componentType = componentType;
      this.element = element;
    }

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return new TypeRef.ListOf(element.describe(schemas), false);
    }

    @Override
    void write(MessagePacker out, Object array, int depthLeft) throws IOException {
      checkDepth(depthLeft);
      int n = Array.getLength(array);
      out.packArrayHeader(n);
      int i = 0;
      try {
        for (; i < n; i++) {
          element.writeNullable(out, Array.get(array, i), depthLeft - 1);
        }
      } catch (IOException | RuntimeException e) {
        throw CodecException.of(e).inElement("[" + i + "]");
      }
    }

    @Override
    Object read(MessagePackReader in) throws IOException {
      in.enter();
      int n = in.readArrayHeader();
      Object array = Array.newInstance(componentType, n);
      int i = 0;
      try {
        for (; i < n; i++) {
          Object e = element.readNullable(in);
          if (e != null) {
            Array.set(array, i, e);
          }
        }
      } catch (IOException | RuntimeException e) {
        throw CodecException.of(e).inElement("[" + i + "]");
      }
      in.exit();
      return array;
    }
  }

  /**
   * An {@code int[]}: the same bytes as {@link ArrayCodec} with the {@code int} codec, without
   * boxing. Nil decodes to null; a nil element reads as 0.
   */
  static final class IntArrayCodec extends Codec<int[]> {
    private static final TypeRef SCHEMA =
        new TypeRef.ListOf(new TypeRef.Scalar(ScalarKind.INT32), false);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    @Override
    void write(MessagePacker out, int[] array, int depthLeft) throws IOException {
      checkDepth(depthLeft);
      out.packArrayHeader(array.length);
      int i = 0;
      try {
        for (; i < array.length; i++) {
          out.packInt(array[i]);
        }
      } catch (IOException | RuntimeException e) {
        throw CodecException.of(e).inElement("[" + i + "]");
      }
    }

    @Override
    int[] read(MessagePackReader in) throws IOException {
      in.enter();
      int n = in.readArrayHeader();
      int[] array = new int[n];
      int i = 0;
      try {
        for (; i < n; i++) {
          if (!in.tryReadNil()) {
            array[i] = in.readInt();
          }
        }
      } catch (IOException | RuntimeException e) {
        throw CodecException.of(e).inElement("[" + i + "]");
      }
      in.exit();
      return array;
    }
  }

  /**
   * A {@code long[]}: the same bytes as {@link ArrayCodec} with the {@code long} codec, without
   * boxing. Nil decodes to null; a nil element reads as 0.
   */
  static final class LongArrayCodec extends Codec<long[]> {
    private static final TypeRef SCHEMA =
        new TypeRef.ListOf(new TypeRef.Scalar(ScalarKind.INT64), false);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    @Override
    void write(MessagePacker out, long[] array, int depthLeft) throws IOException {
      checkDepth(depthLeft);
      out.packArrayHeader(array.length);
      int i = 0;
      try {
        for (; i < array.length; i++) {
          out.packLong(array[i]);
        }
      } catch (IOException | RuntimeException e) {
        throw CodecException.of(e).inElement("[" + i + "]");
      }
    }

    @Override
    long[] read(MessagePackReader in) throws IOException {
      in.enter();
      int n = in.readArrayHeader();
      long[] array = new long[n];
      int i = 0;
      try {
        for (; i < n; i++) {
          if (!in.tryReadNil()) {
            array[i] = in.readLong();
          }
        }
      } catch (IOException | RuntimeException e) {
        throw CodecException.of(e).inElement("[" + i + "]");
      }
      in.exit();
      return array;
    }
  }

  /**
   * A {@code double[]}: the same bytes as {@link ArrayCodec} with the {@code double} codec, without
   * boxing. Nil decodes to null; a nil element reads as 0.
   */
  static final class DoubleArrayCodec extends Codec<double[]> {
    private static final TypeRef SCHEMA =
        new TypeRef.ListOf(new TypeRef.Scalar(ScalarKind.FLOAT64), false);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    @Override
    void write(MessagePacker out, double[] array, int depthLeft) throws IOException {
      checkDepth(depthLeft);
      out.packArrayHeader(array.length);
      int i = 0;
      try {
        for (; i < array.length; i++) {
          out.packDouble(array[i]);
        }
      } catch (IOException | RuntimeException e) {
        throw CodecException.of(e).inElement("[" + i + "]");
      }
    }

    @Override
    double[] read(MessagePackReader in) throws IOException {
      in.enter();
      int n = in.readArrayHeader();
      double[] array = new double[n];
      int i = 0;
      try {
        for (; i < n; i++) {
          if (!in.tryReadNil()) {
            array[i] = in.readDouble();
          }
        }
      } catch (IOException | RuntimeException e) {
        throw CodecException.of(e).inElement("[" + i + "]");
      }
      in.exit();
      return array;
    }
  }

  private static int capacity(int n) {
    return (int) Math.min(Integer.MAX_VALUE, n * 4L / 3 + 1);
  }
}
