package io.switchboard.msgpack;

import io.switchboard.msgpack.schema.TypeRef;
import java.io.IOException;
import org.msgpack.core.MessagePacker;

/**
 * Reads and writes one Java type. Built once per type when a marshaller is made; immutable and
 * thread-safe after that.
 *
 * @param <T> the Java type
 */
abstract class Codec<T> {
  /**
   * Writes a non-null value.
   *
   * @param depthLeft how many more levels of nesting may be opened, this value's included
   */
  abstract void write(MessagePacker out, T value, int depthLeft) throws IOException;

  /** Reads a value; the next value is not nil. */
  abstract T read(MessagePackReader in) throws IOException;

  /**
   * Returns this type's schema, defining the named types it reaches in {@code schemas}: the same
   * metadata the codec reads and writes with, so the schema cannot drift from the bytes.
   */
  abstract TypeRef describe(SchemaCollector schemas);

  /** Returns what a nil or a missing field decodes to: null unless overridden. */
  T nilValue() {
    return null;
  }

  /** Writes a value that may be null (as nil). */
  final void writeNullable(MessagePacker out, T value, int depthLeft) throws IOException {
    if (value == null) {
      out.packNil();
    } else {
      write(out, value, depthLeft);
    }
  }

  /** Reads a value that may be nil. */
  final T readNullable(MessagePackReader in) throws IOException {
    return in.tryReadNil() ? nilValue() : read(in);
  }

  /** Fails when a nested value would exceed the depth limit. */
  static void checkDepth(int depthLeft) {
    if (depthLeft <= 0) {
      throw new CodecException("nesting deeper than maxDepth (a cyclic object graph?)");
    }
  }

  /** Forwards to a codec built later: the self-reference of a recursive type. */
  static final class Deferred<T> extends Codec<T> {
    private Codec<T> target;

    void set(Codec<T> target) {
      this.target = target;
    }

    @Override
    void write(MessagePacker out, T value, int depthLeft) throws IOException {
      target.write(out, value, depthLeft);
    }

    @Override
    T read(MessagePackReader in) throws IOException {
      return target.read(in);
    }

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return target.describe(schemas);
    }

    @Override
    T nilValue() {
      // Asked while the target is being built only by a field of a record or class type, whose
      // nil value is null.
      return target == null ? null : target.nilValue();
    }
  }

  /** Adapts a hand-written {@link MessagePackCodec}. */
  static final class Custom<T> extends Codec<T> {
    private final MessagePackCodec<T> codec;
    private final String javaType;

    Custom(MessagePackCodec<T> codec, String javaType) {
      this.codec = codec;
      this.javaType = javaType;
    }

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return new TypeRef.Opaque(javaType);
    }

    @Override
    void write(MessagePacker out, T value, int depthLeft) throws IOException {
      // Counts the level its read enters, so that whatever encodes also decodes.
      checkDepth(depthLeft);
      codec.encode(out, value);
    }

    @Override
    T read(MessagePackReader in) throws IOException {
      in.enter();
      T value = codec.decode(in);
      in.exit();
      return value;
    }
  }
}
