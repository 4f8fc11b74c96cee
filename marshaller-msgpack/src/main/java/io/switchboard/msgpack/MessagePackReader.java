package io.switchboard.msgpack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageTypeException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.MessageBuffer;
import org.msgpack.value.ValueType;

/**
 * Reads one message for {@link MessagePackCodec#decode}, checking every declared length against the
 * {@linkplain MessagePackSettings limits} and against the bytes that remain before anything is
 * allocated. One reader serves one message on one thread.
 *
 * <p>Methods throw {@link IOException} (passed on from msgpack-core), msgpack-core's unchecked
 * exceptions for wrong types or truncated input, and an unchecked exception for a limit or a length
 * the bytes do not back; the marshaller reports all of them as {@code INVALID_ARGUMENT}.
 */
public final class MessagePackReader {
  private final MessageUnpacker unpacker;
  private final long size;
  private final int maxDepth;
  private final int maxCollectionSize;
  private final int maxStringBytes;
  private final int maxBinaryBytes;
  private final int maxElements;
  private int depth;
  private long elements; // declared by the array and map headers read so far

  MessagePackReader(MessageUnpacker unpacker, long size, MessagePackSettings settings) {
    this.unpacker = unpacker;
    this.size = size;
    this.maxDepth = settings.maxDepth();
    this.maxCollectionSize = settings.maxCollectionSize();
    this.maxStringBytes = settings.maxStringBytes();
    this.maxBinaryBytes = settings.maxBinaryBytes();
    this.maxElements = settings.maxElementsPerMessage();
  }

  /**
   * Returns the underlying unpacker, for what this reader does not offer. Reading through it skips
   * this reader's checks: declared lengths are then the caller's to check against {@link
   * #remainingBytes()}.
   */
  public MessageUnpacker unpacker() {
    return unpacker;
  }

  /** Returns the number of bytes of the message not read yet. */
  public long remainingBytes() {
    return size - unpacker.getTotalReadBytes();
  }

  /**
   * Consumes a nil if one comes next.
   *
   * @return true if a nil was consumed
   * @throws IOException passed on from msgpack-core
   */
  public boolean tryReadNil() throws IOException {
    return unpacker.tryUnpackNil();
  }

  /**
   * Reads a boolean.
   *
   * @throws IOException passed on from msgpack-core
   */
  public boolean readBoolean() throws IOException {
    return unpacker.unpackBoolean();
  }

  /**
   * Reads an integer that fits in an {@code int}, in any integer format, or a float (32 or 64) that
   * holds an exact whole number in range (JavaScript encoders write large integral numbers as
   * float64).
   *
   * @throws IOException passed on from msgpack-core
   */
  public int readInt() throws IOException {
    try {
      return unpacker.unpackInt();
    } catch (MessageTypeException e) {
      return (int) wholeNumber(refusedFloat(e), "an int", Integer.MIN_VALUE, Integer.MAX_VALUE);
    }
  }

  /**
   * Reads an integer that fits in a {@code long}, in any integer format, or a float (32 or 64) that
   * holds an exact whole number in range.
   *
   * @throws IOException passed on from msgpack-core
   */
  public long readLong() throws IOException {
    try {
      return unpacker.unpackLong();
    } catch (MessageTypeException e) {
      return wholeNumber(refusedFloat(e), "a long", Long.MIN_VALUE, Long.MAX_VALUE);
    }
  }

  /**
   * Returns the float msgpack-core just refused to read as an integer, or rethrows its refusal of
   * anything else. Integers are read without looking at the format byte first (the common case
   * stays as fast as msgpack-core's own read); msgpack-core has then consumed the format byte of
   * the float, named in its message ("... got Float (cb)"), and its payload follows.
   */
  private double refusedFloat(MessageTypeException e) throws IOException {
    String m = e.getMessage();
    if (m != null && m.endsWith("(ca)")) {
      return ByteBuffer.wrap(unpacker.readPayload(4)).getFloat();
    }
    if (m != null && m.endsWith("(cb)")) {
      return ByteBuffer.wrap(unpacker.readPayload(8)).getDouble();
    }
    throw e;
  }

  /** Returns a float's value as an integer if it is an exact whole number within min..max. */
  private static long wholeNumber(double d, String type, long min, long max) {
    if (d != Math.rint(d) || Double.isInfinite(d)) { // NaN too
      throw new CodecException("float " + d + " is not a whole number (expected: " + type + ")");
    }
    // (double) Long.MAX_VALUE is 2^63, itself out of range; min is exact as a double.
    if (d < min || (max == Long.MAX_VALUE ? d >= 0x1p63 : d > max)) {
      throw new CodecException("integer " + d + " out of range of " + type);
    }
    return (long) d;
  }

  /**
   * Reads a float (32 or 64) or an integer from -2^63 to 2^63-1 (as some languages, JavaScript
   * among them, write integral numbers) as a double; a larger uint64 is rejected.
   *
   * @throws IOException passed on from msgpack-core
   */
  public double readDouble() throws IOException {
    if (valueType() == ValueType.INTEGER) {
      return unpacker.unpackLong();
    }
    return unpacker.unpackDouble();
  }

  /**
   * Reads a str value, checked against {@code maxStringBytes} and the remaining bytes. Malformed
   * UTF-8 is replaced with U+FFFD.
   *
   * @throws IOException passed on from msgpack-core
   */
  public String readString() throws IOException {
    int length = unpacker.unpackRawStringHeader();
    if (length == 0) {
      return "";
    }
    checkLength("string", length, maxStringBytes, "maxStringBytes");
    MessageBuffer payload = unpacker.readPayloadAsReference(length);
    if (payload.hasArray()) {
      return new String(payload.array(), payload.arrayOffset(), length, StandardCharsets.UTF_8);
    }
    return new String(payload.toByteArray(), StandardCharsets.UTF_8);
  }

  /**
   * Reads a bin value, checked against {@code maxBinaryBytes} and the remaining bytes.
   *
   * @throws IOException passed on from msgpack-core
   */
  public byte[] readBinary() throws IOException {
    int length = readBinaryHeader();
    checkLength("binary", length, maxBinaryBytes, "maxBinaryBytes");
    return unpacker.readPayload(length);
  }

  /**
   * Reads a bin header; a str is refused, as WIRE-FORMAT.md says (msgpack-core's own {@code
   * unpackBinaryHeader} takes a fixstr as bin whatever its settings).
   */
  int readBinaryHeader() throws IOException {
    ValueType type = valueType();
    if (type != ValueType.BINARY) {
      throw new CodecException(
          "wrong type: expected a binary (bin), got " + CodecException.words(type));
    }
    return unpacker.unpackBinaryHeader();
  }

  /** Returns the type of the next value without consuming it; the byte 0xc1 is refused. */
  ValueType valueType() throws IOException {
    MessageFormat format = unpacker.getNextFormat();
    if (format == MessageFormat.NEVER_USED) {
      throw new CodecException("the byte 0xc1, which MessagePack never uses");
    }
    return format.getValueType();
  }

  /**
   * Reads an array header, checked against {@code maxCollectionSize} and the remaining bytes (every
   * element takes at least one).
   *
   * @return the number of elements that follow
   * @throws IOException passed on from msgpack-core
   */
  public int readArrayHeader() throws IOException {
    int count = unpacker.unpackArrayHeader();
    checkCount("array", count, 1);
    return count;
  }

  /**
   * Reads an array header that must declare {@code min..max} elements.
   *
   * @return the number of elements that follow
   * @throws IOException passed on from msgpack-core
   */
  public int readArrayHeader(int min, int max) throws IOException {
    int count = readArrayHeader();
    if (count < min || count > max) {
      throw new CodecException(
          "expected an array of "
              + (min == max ? String.valueOf(min) : min + ".." + max)
              + " elements, got "
              + count);
    }
    return count;
  }

  /**
   * Reads a map header, checked against {@code maxCollectionSize} and the remaining bytes (every
   * entry takes at least two).
   *
   * @return the number of entries that follow
   * @throws IOException passed on from msgpack-core
   */
  public int readMapHeader() throws IOException {
    int count = unpacker.unpackMapHeader();
    checkCount("map", count, 2);
    return count;
  }

  /**
   * Skips the next value without allocating for it, under the same limits as a value that is read:
   * its arrays and maps count towards {@code maxDepth}, {@code maxCollectionSize} and {@code
   * maxElementsPerMessage}.
   *
   * @throws IOException passed on from msgpack-core
   */
  public void skipValue() throws IOException {
    switch (valueType()) {
      case ARRAY -> {
        int n = readArrayHeader();
        enter();
        for (int i = 0; i < n; i++) {
          skipValue();
        }
        exit();
      }
      case MAP -> {
        int n = readMapHeader();
        enter();
        for (int i = 0; i < n; i++) {
          skipValue();
          skipValue();
        }
        exit();
      }
      default -> unpacker.skipValue(); // one scalar, str, bin or extension value
    }
  }

  /** Enters a nested value; fails past {@code maxDepth}. */
  void enter() {
    if (++depth > maxDepth) {
      throw new CodecException("nesting deeper than maxDepth " + maxDepth);
    }
  }

  /** Leaves a nested value. */
  void exit() {
    depth--;
  }

  private void checkLength(String what, int length, int limit, String limitName) {
    if (length > limit) {
      throw new CodecException(
          what + " of " + length + " bytes exceeds " + limitName + " " + limit);
    }
    long remaining = remainingBytes();
    if (length > remaining) {
      throw new CodecException(
          "declared "
              + what
              + " length "
              + length
              + " exceeds the "
              + remaining
              + " bytes that remain");
    }
  }

  private void checkCount(String what, int count, int minBytesEach) {
    if (count > maxCollectionSize) {
      throw new CodecException(
          what + " of " + count + " elements exceeds maxCollectionSize " + maxCollectionSize);
    }
    long remaining = remainingBytes();
    if ((long) count * minBytesEach > remaining) {
      throw new CodecException(
          "declared "
              + what
              + " of "
              + count
              + " elements cannot fit in the "
              + remaining
              + " bytes that remain");
    }
    // Every element of an array, and every key and value of a map, is a value of the message: as
    // many values as the bytes each takes at least. Counted once the bytes are known to be there,
    // so that only a real (not a truncated) message is ever over its budget.
    elements += (long) count * minBytesEach;
    if (elements > maxElements) {
      throw CodecException.overBudget(
          "more than "
              + maxElements
              + " values in one message exceeds maxElementsPerMessage "
              + maxElements);
    }
  }
}
