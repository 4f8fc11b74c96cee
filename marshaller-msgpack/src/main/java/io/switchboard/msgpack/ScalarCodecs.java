package io.switchboard.msgpack;

import io.switchboard.msgpack.schema.ScalarKind;
import io.switchboard.msgpack.schema.TypeRef;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.msgpack.core.MessagePacker;

/** The built-in codecs of single values: numbers, booleans, text, bytes, time, UUID, decimals. */
final class ScalarCodecs {
  /**
   * Longest accepted BigDecimal/BigInteger text: parsing decimal digits is quadratic, so a long
   * digit string would cost seconds of CPU; 1,000 digits is far beyond any real amount.
   */
  static final int MAX_NUMBER_CHARS = 1000;

  private static final Map<Class<?>, Codec<?>> CODECS =
      Map.ofEntries(
          Map.entry(boolean.class, new BooleanCodec(false)),
          Map.entry(Boolean.class, new BooleanCodec(true)),
          Map.entry(byte.class, new IntegerCodec(Byte.MIN_VALUE, Byte.MAX_VALUE, false, 'B')),
          Map.entry(Byte.class, new IntegerCodec(Byte.MIN_VALUE, Byte.MAX_VALUE, true, 'B')),
          Map.entry(short.class, new IntegerCodec(Short.MIN_VALUE, Short.MAX_VALUE, false, 'S')),
          Map.entry(Short.class, new IntegerCodec(Short.MIN_VALUE, Short.MAX_VALUE, true, 'S')),
          Map.entry(char.class, new IntegerCodec(0, Character.MAX_VALUE, false, 'C')),
          Map.entry(Character.class, new IntegerCodec(0, Character.MAX_VALUE, true, 'C')),
          Map.entry(int.class, new IntCodec(false)),
          Map.entry(Integer.class, new IntCodec(true)),
          Map.entry(long.class, new LongCodec(false)),
          Map.entry(Long.class, new LongCodec(true)),
          Map.entry(float.class, new FloatCodec(false)),
          Map.entry(Float.class, new FloatCodec(true)),
          Map.entry(double.class, new DoubleCodec(false)),
          Map.entry(Double.class, new DoubleCodec(true)),
          Map.entry(String.class, new StringCodec()),
          Map.entry(byte[].class, new BinaryCodec()),
          Map.entry(Instant.class, new InstantCodec()),
          Map.entry(Duration.class, new DurationCodec()),
          Map.entry(UUID.class, new UuidCodec()),
          Map.entry(BigDecimal.class, new BigDecimalCodec()),
          Map.entry(BigInteger.class, new BigIntegerCodec()));

  /**
   * Below this many chars, {@link MessagePacker#packString} itself encodes with {@link
   * String#getBytes} (its default {@code smallStringOptimizationThreshold}), as {@link #packString}
   * does without the call's checks.
   */
  private static final int SMALL_STRING_CHARS = 512;

  private ScalarCodecs() {}

  /**
   * Packs a str exactly as {@link MessagePacker#packString} does: the smallest header, then the
   * UTF-8 bytes (unpaired surrogates as {@code ?}).
   */
  static void packString(MessagePacker out, String s) throws IOException {
    if (s.length() >= SMALL_STRING_CHARS) {
      out.packString(s);
      return;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    out.packRawStringHeader(utf8.length);
    out.writePayload(utf8);
  }

  /** Returns the built-in codec of this class, or null. */
  @SuppressWarnings("unchecked")
  static <T> Codec<T> find(Class<T> type) {
    return (Codec<T>) CODECS.get(type);
  }

  /** Returns the value a primitive of this class defaults to, or null for a reference type. */
  static Object zeroOf(Class<?> type) {
    if (!type.isPrimitive()) {
      return null;
    }
    Codec<?> codec = CODECS.get(type);
    return codec == null ? null : codec.nilValue();
  }

  /** A codec whose nil value is fixed: 0 or false for a primitive, null for a boxed type. */
  private abstract static class ValueCodec<T> extends Codec<T> {
    private final T nil;

    ValueCodec(T nil) {
      this.nil = nil;
    }

    @Override
    final T nilValue() {
      return nil;
    }
  }

  private static final class BooleanCodec extends ValueCodec<Boolean> {
    private static final TypeRef SCHEMA = new TypeRef.Scalar(ScalarKind.BOOL);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    BooleanCodec(boolean boxed) {
      super(boxed ? null : Boolean.FALSE);
    }

    @Override
    void write(MessagePacker out, Boolean value, int depthLeft) throws IOException {
      out.packBoolean(value);
    }

    @Override
    Boolean read(MessagePackReader in) throws IOException {
      return in.readBoolean();
    }
  }

  /** byte, short and char: an integer checked against the type's range. */
  private static final class IntegerCodec extends ValueCodec<Object> {
    private final int min;
    private final int max;
    private final char kind;

    IntegerCodec(int min, int max, boolean boxed, char kind) {
      super(boxed ? null : box(kind, 0));
      this.min = min;
      this.max = max;
      this.kind = kind;
    }

    private static Object box(char kind, int v) {
      return switch (kind) {
        case 'B' -> (byte) v;
        case 'S' -> (short) v;
        default -> (char) v;
      };
    }

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return new TypeRef.Scalar(
          switch (kind) {
            case 'B' -> ScalarKind.INT8;
            case 'S' -> ScalarKind.INT16;
            default -> ScalarKind.CHAR;
          });
    }

    @Override
    void write(MessagePacker out, Object value, int depthLeft) throws IOException {
      out.packInt(value instanceof Character c ? c : ((Number) value).intValue());
    }

    @Override
    Object read(MessagePackReader in) throws IOException {
      long v = in.readLong();
      if (v < min || v > max) {
        throw new CodecException("integer " + v + " out of range " + min + ".." + max);
      }
      return box(kind, (int) v);
    }
  }

  private static final class IntCodec extends ValueCodec<Integer> {
    private static final TypeRef SCHEMA = new TypeRef.Scalar(ScalarKind.INT32);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    IntCodec(boolean boxed) {
      super(boxed ? null : 0);
    }

    @Override
    void write(MessagePacker out, Integer value, int depthLeft) throws IOException {
      out.packInt(value);
    }

    @Override
    Integer read(MessagePackReader in) throws IOException {
      return in.readInt();
    }
  }

  private static final class LongCodec extends ValueCodec<Long> {
    private static final TypeRef SCHEMA = new TypeRef.Scalar(ScalarKind.INT64);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    LongCodec(boolean boxed) {
      super(boxed ? null : 0L);
    }

    @Override
    void write(MessagePacker out, Long value, int depthLeft) throws IOException {
      out.packLong(value);
    }

    @Override
    Long read(MessagePackReader in) throws IOException {
      return in.readLong();
    }
  }

  private static final class FloatCodec extends ValueCodec<Float> {
    private static final TypeRef SCHEMA = new TypeRef.Scalar(ScalarKind.FLOAT32);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    FloatCodec(boolean boxed) {
      super(boxed ? null : 0f);
    }

    @Override
    void write(MessagePacker out, Float value, int depthLeft) throws IOException {
      out.packFloat(value);
    }

    @Override
    Float read(MessagePackReader in) throws IOException {
      return (float) in.readDouble();
    }
  }

  private static final class DoubleCodec extends ValueCodec<Double> {
    private static final TypeRef SCHEMA = new TypeRef.Scalar(ScalarKind.FLOAT64);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    DoubleCodec(boolean boxed) {
      super(boxed ? null : 0d);
    }

    @Override
    void write(MessagePacker out, Double value, int depthLeft) throws IOException {
      out.packDouble(value);
    }

    @Override
    Double read(MessagePackReader in) throws IOException {
      return in.readDouble();
    }
  }

  private static final class StringCodec extends Codec<String> {
    private static final TypeRef SCHEMA = new TypeRef.Scalar(ScalarKind.STRING);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    @Override
    void write(MessagePacker out, String value, int depthLeft) throws IOException {
      packString(out, value);
    }

    @Override
    String read(MessagePackReader in) throws IOException {
      return in.readString();
    }
  }

  private static final class BinaryCodec extends Codec<byte[]> {
    private static final TypeRef SCHEMA = new TypeRef.Scalar(ScalarKind.BINARY);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    @Override
    void write(MessagePacker out, byte[] value, int depthLeft) throws IOException {
      out.packBinaryHeader(value.length);
      out.writePayload(value);
    }

    @Override
    byte[] read(MessagePackReader in) throws IOException {
      return in.readBinary();
    }
  }

  /** The MessagePack timestamp extension (type -1), as every MessagePack library reads it. */
  private static final class InstantCodec extends Codec<Instant> {
    private static final TypeRef SCHEMA = new TypeRef.Scalar(ScalarKind.TIMESTAMP);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    @Override
    void write(MessagePacker out, Instant value, int depthLeft) throws IOException {
      out.packTimestamp(value);
    }

    @Override
    Instant read(MessagePackReader in) throws IOException {
      return in.unpacker().unpackTimestamp();
    }
  }

  /** {@code [seconds, nanos]} with {@code 0 <= nanos < 1e9}, like protobuf's Duration. */
  private static final class DurationCodec extends Codec<Duration> {
    private static final TypeRef SCHEMA = new TypeRef.Scalar(ScalarKind.DURATION);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    @Override
    void write(MessagePacker out, Duration value, int depthLeft) throws IOException {
      out.packArrayHeader(2).packLong(value.getSeconds()).packInt(value.getNano());
    }

    @Override
    Duration read(MessagePackReader in) throws IOException {
      in.readArrayHeader(2, 2);
      long seconds = in.readLong();
      int nanos = in.readInt();
      if (nanos < 0 || nanos > 999_999_999) {
        throw new CodecException("duration nanos " + nanos + " out of range 0..999999999");
      }
      return Duration.ofSeconds(seconds, nanos);
    }
  }

  /** bin 16: the RFC 4122 byte order (most significant byte first). */
  private static final class UuidCodec extends Codec<UUID> {
    private static final TypeRef SCHEMA = new TypeRef.Scalar(ScalarKind.UUID);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    @Override
    void write(MessagePacker out, UUID value, int depthLeft) throws IOException {
      byte[] bytes =
          ByteBuffer.allocate(16)
              .putLong(value.getMostSignificantBits())
              .putLong(value.getLeastSignificantBits())
              .array();
      out.packBinaryHeader(16);
      out.writePayload(bytes);
    }

    @Override
    UUID read(MessagePackReader in) throws IOException {
      int length = in.readBinaryHeader();
      if (length != 16) {
        throw new CodecException("uuid of " + length + " bytes (expected: bin 16)");
      }
      if (in.remainingBytes() < 16) {
        throw new CodecException("truncated: the message ends inside a uuid");
      }
      ByteBuffer bytes = ByteBuffer.wrap(in.unpacker().readPayload(16));
      return new UUID(bytes.getLong(), bytes.getLong());
    }
  }

  /** The decimal text of {@link BigDecimal#toString()}, e.g. {@code "12.50"} or {@code "1E+3"}. */
  private static final class BigDecimalCodec extends Codec<BigDecimal> {
    private static final TypeRef SCHEMA = new TypeRef.Scalar(ScalarKind.DECIMAL);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    @Override
    void write(MessagePacker out, BigDecimal value, int depthLeft) throws IOException {
      out.packString(value.toString());
    }

    @Override
    BigDecimal read(MessagePackReader in) throws IOException {
      return new BigDecimal(readNumber(in));
    }
  }

  /** Decimal text, e.g. {@code "-12345678901234567890"}. */
  private static final class BigIntegerCodec extends Codec<BigInteger> {
    private static final TypeRef SCHEMA = new TypeRef.Scalar(ScalarKind.BIG_INTEGER);

    @Override
    TypeRef describe(SchemaCollector schemas) {
      return SCHEMA;
    }

    @Override
    void write(MessagePacker out, BigInteger value, int depthLeft) throws IOException {
      out.packString(value.toString());
    }

    @Override
    BigInteger read(MessagePackReader in) throws IOException {
      return new BigInteger(readNumber(in));
    }
  }

  private static String readNumber(MessagePackReader in) throws IOException {
    String text = in.readString();
    if (text.length() > MAX_NUMBER_CHARS) {
      throw new CodecException(
          "number text of " + text.length() + " chars exceeds " + MAX_NUMBER_CHARS);
    }
    return text;
  }
}
