package io.switchboard.msgpack.json;

import java.nio.charset.StandardCharsets;

/**
 * Reads MessagePack values from a byte array, checking every declared length and count against the
 * {@linkplain JsonSettings limits} and the bytes that remain before anything is allocated, and
 * nesting (skipped values included) against {@code maxDepth}. One per message; not thread-safe.
 */
final class MsgpackIn {
  /** What the next value is, in plain words for errors. */
  enum Kind {
    NIL("nil"),
    BOOLEAN("a boolean"),
    INTEGER("an integer"),
    FLOAT("a float"),
    STRING("a string"),
    BINARY("a binary"),
    ARRAY("an array"),
    MAP("a map"),
    EXTENSION("an extension value"),
    NEVER_USED("the never-used byte 0xc1");

    final String words;

    Kind(String words) {
      this.words = words;
    }
  }

  private static final Kind[] KINDS = new Kind[256];

  static {
    for (int b = 0; b < 256; b++) {
      Kind k;
      if (b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3)) {
        k = Kind.INTEGER;
      } else if (b <= 0x8f || b == 0xde || b == 0xdf) {
        k = Kind.MAP;
      } else if (b <= 0x9f || b == 0xdc || b == 0xdd) {
        k = Kind.ARRAY;
      } else if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb)) {
        k = Kind.STRING;
      } else if (b == 0xc0) {
        k = Kind.NIL;
      } else if (b == 0xc2 || b == 0xc3) {
        k = Kind.BOOLEAN;
      } else if (b >= 0xc4 && b <= 0xc6) {
        k = Kind.BINARY;
      } else if (b == 0xca || b == 0xcb) {
        k = Kind.FLOAT;
      } else if (b == 0xc1) {
        k = Kind.NEVER_USED;
      } else {
        k = Kind.EXTENSION; // c7-c9, d4-d8
      }
      KINDS[b] = k;
    }
  }

  final byte[] b;
  int pos;
  private final int end;
  private final JsonSettings settings;
  private int depth;

  /** Set by {@link #readTimestamp()}. */
  long seconds;

  /** Set by {@link #readTimestamp()}. */
  int nanos;

  MsgpackIn(byte[] bytes, int offset, int length, JsonSettings settings) {
    this.b = bytes;
    this.pos = offset;
    this.end = offset + length;
    this.settings = settings;
  }

  int remaining() {
    return end - pos;
  }

  private void need(int n) {
    if (end - pos < n) {
      throw new TranscodeException("truncated: the message ends inside a value");
    }
  }

  /** Returns the kind of the next value without consuming it. */
  Kind peekKind() {
    need(1);
    return KINDS[b[pos] & 0xff];
  }

  /** Enters a nested value; fails past {@code maxDepth}. */
  void enter() {
    if (++depth > settings.maxDepth()) {
      throw new TranscodeException("nesting deeper than maxDepth " + settings.maxDepth());
    }
  }

  void exit() {
    depth--;
  }

  /** Consumes a nil if one comes next. */
  boolean tryNil() {
    need(1);
    if (b[pos] == (byte) 0xc0) {
      pos++;
      return true;
    }
    return false;
  }

  TranscodeException wrongType(String expected) {
    return new TranscodeException("expected " + expected + ", got " + peekKind().words);
  }

  boolean readBoolean() {
    need(1);
    int f = b[pos] & 0xff;
    if (f == 0xc2 || f == 0xc3) {
      pos++;
      return f == 0xc3;
    }
    throw wrongType("a boolean");
  }

  private int u8() {
    return b[pos++] & 0xff;
  }

  private int u16() {
    int v = ((b[pos] & 0xff) << 8) | (b[pos + 1] & 0xff);
    pos += 2;
    return v;
  }

  private int i32() {
    int v =
        ((b[pos] & 0xff) << 24)
            | ((b[pos + 1] & 0xff) << 16)
            | ((b[pos + 2] & 0xff) << 8)
            | (b[pos + 3] & 0xff);
    pos += 4;
    return v;
  }

  private long i64() {
    return ((long) i32() << 32) | (i32() & 0xffffffffL);
  }

  /** Whether the next value is a uint64 above 2^63-1 (which {@link #readLong} rejects). */
  boolean nextIsBigUint64() {
    need(1);
    if ((b[pos] & 0xff) != 0xcf) {
      return false;
    }
    need(9);
    return b[pos + 1] < 0;
  }

  /** Reads an integer that fits in a long (any integer format). */
  long readLong() {
    need(1);
    int f = b[pos] & 0xff;
    if (f <= 0x7f) {
      pos++;
      return f;
    }
    if (f >= 0xe0) {
      pos++;
      return (byte) f;
    }
    switch (f) {
      case 0xcc:
        need(2);
        pos++;
        return u8();
      case 0xcd:
        need(3);
        pos++;
        return u16();
      case 0xce:
        need(5);
        pos++;
        return i32() & 0xffffffffL;
      case 0xcf:
        {
          need(9);
          pos++;
          long v = i64();
          if (v < 0) {
            pos -= 9;
            throw new TranscodeException(
                "integer " + Long.toUnsignedString(v) + " out of range (above 2^63-1)");
          }
          return v;
        }
      case 0xd0:
        need(2);
        pos++;
        return (byte) u8();
      case 0xd1:
        need(3);
        pos++;
        return (short) u16();
      case 0xd2:
        need(5);
        pos++;
        return i32();
      case 0xd3:
        need(9);
        pos++;
        return i64();
      default:
        throw wrongType("an integer");
    }
  }

  /** Reads the 64 bits of a uint64 (for a value above 2^63-1). */
  long readUint64Bits() {
    need(9);
    pos++;
    return i64();
  }

  /** Whether the next value is a float32 (not float64 or an integer). */
  boolean nextIsFloat32() {
    need(1);
    return (b[pos] & 0xff) == 0xca;
  }

  /** Reads a float32 or float64 as a double. */
  double readFloat() {
    need(1);
    int f = b[pos] & 0xff;
    if (f == 0xca) {
      need(5);
      pos++;
      return Float.intBitsToFloat(i32());
    }
    if (f == 0xcb) {
      need(9);
      pos++;
      return Double.longBitsToDouble(i64());
    }
    throw wrongType("a float");
  }

  /** Reads a str header, checked against {@code maxStringBytes} and the remaining bytes. */
  int readStrHeader() {
    need(1);
    int f = b[pos] & 0xff;
    int n;
    if (f >= 0xa0 && f <= 0xbf) {
      pos++;
      n = f & 0x1f;
    } else if (f == 0xd9) {
      need(2);
      pos++;
      n = u8();
    } else if (f == 0xda) {
      need(3);
      pos++;
      n = u16();
    } else if (f == 0xdb) {
      need(5);
      pos++;
      n = i32();
    } else {
      throw wrongType("a string");
    }
    checkLength("string", n, settings.maxStringBytes(), "maxStringBytes");
    return n;
  }

  /** Reads a str value; malformed UTF-8 becomes U+FFFD. */
  String readString() {
    int n = readStrHeader();
    String s = new String(b, pos, n, StandardCharsets.UTF_8);
    pos += n;
    return s;
  }

  /** Reads a bin header, checked against {@code maxBinaryBytes} and the remaining bytes. */
  int readBinHeader() {
    need(1);
    int f = b[pos] & 0xff;
    int n;
    if (f == 0xc4) {
      need(2);
      pos++;
      n = u8();
    } else if (f == 0xc5) {
      need(3);
      pos++;
      n = u16();
    } else if (f == 0xc6) {
      need(5);
      pos++;
      n = i32();
    } else {
      throw wrongType("a binary");
    }
    checkLength("binary", n, settings.maxBinaryBytes(), "maxBinaryBytes");
    return n;
  }

  /** Reads an array header, checked against {@code maxCollectionSize} and the remaining bytes. */
  int readArrayHeader() {
    need(1);
    int f = b[pos] & 0xff;
    int n;
    if (f >= 0x90 && f <= 0x9f) {
      pos++;
      n = f & 0x0f;
    } else if (f == 0xdc) {
      need(3);
      pos++;
      n = u16();
    } else if (f == 0xdd) {
      need(5);
      pos++;
      n = i32();
    } else {
      throw wrongType("an array");
    }
    checkCount("array", n, 1);
    return n;
  }

  /** Reads a map header, checked against {@code maxCollectionSize} and the remaining bytes. */
  int readMapHeader() {
    need(1);
    int f = b[pos] & 0xff;
    int n;
    if (f >= 0x80 && f <= 0x8f) {
      pos++;
      n = f & 0x0f;
    } else if (f == 0xde) {
      need(3);
      pos++;
      n = u16();
    } else if (f == 0xdf) {
      need(5);
      pos++;
      n = i32();
    } else {
      throw wrongType("a map");
    }
    checkCount("map", n, 2);
    return n;
  }

  /**
   * Reads an extension header; returns its type and leaves its data length in {@link #extLength}.
   */
  int readExtHeader() {
    need(1);
    int f = b[pos] & 0xff;
    int n;
    switch (f) {
      case 0xd4 -> n = 1;
      case 0xd5 -> n = 2;
      case 0xd6 -> n = 4;
      case 0xd7 -> n = 8;
      case 0xd8 -> n = 16;
      case 0xc7 -> {
        need(2);
        n = b[pos + 1] & 0xff;
        pos++;
      }
      case 0xc8 -> {
        need(3);
        n = ((b[pos + 1] & 0xff) << 8) | (b[pos + 2] & 0xff);
        pos += 2;
      }
      case 0xc9 -> {
        need(5);
        n =
            ((b[pos + 1] & 0xff) << 24)
                | ((b[pos + 2] & 0xff) << 16)
                | ((b[pos + 3] & 0xff) << 8)
                | (b[pos + 4] & 0xff);
        pos += 4;
      }
      default -> throw wrongType("an extension value");
    }
    pos++;
    need(1);
    int type = b[pos++];
    if (n < 0 || n > remaining()) {
      throw new TranscodeException(
          "declared extension length "
              + Integer.toUnsignedString(n)
              + " exceeds the "
              + remaining()
              + " bytes that remain");
    }
    extLength = n;
    return type;
  }

  /** The data length of the extension value whose header {@link #readExtHeader} read. */
  int extLength;

  /** Reads a timestamp (extension -1) into {@link #seconds} and {@link #nanos}. */
  void readTimestamp() {
    int start = pos;
    if (peekKind() != Kind.EXTENSION) {
      throw wrongType("a timestamp");
    }
    int type = readExtHeader();
    if (type != -1) {
      pos = start;
      throw new TranscodeException("expected a timestamp (extension -1), got extension " + type);
    }
    switch (extLength) {
      case 4 -> {
        seconds = i32() & 0xffffffffL;
        nanos = 0;
      }
      case 8 -> {
        long data = i64();
        nanos = (int) (data >>> 34);
        seconds = data & 0x3ffffffffL;
      }
      case 12 -> {
        nanos = i32();
        seconds = i64();
      }
      default ->
          throw new TranscodeException(
              "timestamp of " + extLength + " bytes (expected: 4, 8 or 12)");
    }
    if (nanos < 0 || nanos > 999_999_999) {
      throw new TranscodeException("timestamp nanoseconds " + nanos + " out of range 0..999999999");
    }
  }

  /** Skips the next value, however nested (within {@code maxDepth}), without allocating. */
  void skipValue() {
    Kind k = peekKind();
    switch (k) {
      case NIL, BOOLEAN -> pos++;
      case INTEGER -> {
        if (nextIsBigUint64()) {
          readUint64Bits();
        } else {
          readLong();
        }
      }
      case FLOAT -> readFloat();
      case STRING -> pos += readStrHeader();
      case BINARY -> pos += readBinHeader();
      case EXTENSION -> {
        readExtHeader();
        pos += extLength;
      }
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
        for (int i = 0; i < 2 * n; i++) {
          skipValue();
        }
        exit();
      }
      default -> throw new TranscodeException("the byte 0xc1, which MessagePack never uses");
    }
  }

  private void checkLength(String what, int length, int limit, String limitName) {
    if (length < 0 || length > limit) {
      throw new TranscodeException(
          what
              + " of "
              + Integer.toUnsignedString(length)
              + " bytes exceeds "
              + limitName
              + " "
              + limit);
    }
    if (length > remaining()) {
      throw new TranscodeException(
          "declared "
              + what
              + " length "
              + length
              + " exceeds the "
              + remaining()
              + " bytes that remain");
    }
  }

  private void checkCount(String what, int count, int minBytesEach) {
    if (count < 0 || count > settings.maxCollectionSize()) {
      throw new TranscodeException(
          what
              + " of "
              + Integer.toUnsignedString(count)
              + " elements exceeds maxCollectionSize "
              + settings.maxCollectionSize());
    }
    if ((long) count * minBytesEach > remaining()) {
      throw new TranscodeException(
          "declared "
              + what
              + " of "
              + count
              + " elements cannot fit in the "
              + remaining()
              + " bytes that remain");
    }
  }
}
