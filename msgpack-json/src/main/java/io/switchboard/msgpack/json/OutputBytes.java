package io.switchboard.msgpack.json;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte array that MessagePack values are written into, with the smallest encoding of
 * each (the bytes the Java marshaller writes), or JSON as an {@link OutputStream}. Positions are
 * exposed so that a header whose count is known only afterwards can be fixed up, and a message's
 * fields reordered. Reused per thread; not thread-safe.
 */
final class OutputBytes extends OutputStream {
  /** First size: fits a typical small message without growing. */
  private static final int INITIAL_BYTES = 512;

  /** Largest array kept per thread between messages; a larger one is dropped after its message. */
  private static final int MAX_POOLED_BYTES = 64 * 1024;

  private static final ThreadLocal<OutputBytes> CURRENT = ThreadLocal.withInitial(OutputBytes::new);

  byte[] bytes = new byte[INITIAL_BYTES];
  int size;
  private boolean inUse;

  /** Returns this thread's writer, emptied (a fresh one if in use). */
  static OutputBytes acquire() {
    OutputBytes out = CURRENT.get();
    if (out.inUse) {
      out = new OutputBytes();
    }
    out.inUse = true;
    out.size = 0;
    return out;
  }

  /** Returns the writer to its thread. */
  void release() {
    if (bytes.length > MAX_POOLED_BYTES) {
      bytes = new byte[INITIAL_BYTES];
    }
    inUse = false;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(bytes, size);
  }

  void ensure(int more) {
    if (bytes.length - size < more) {
      long wanted = Math.max((long) bytes.length * 2, (long) size + more);
      if (wanted > Integer.MAX_VALUE - 8) {
        throw new OutOfMemoryError("message over 2 GiB");
      }
      bytes = Arrays.copyOf(bytes, (int) wanted);
    }
  }

  @Override
  public void write(int b) {
    writeByte(b);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    writeBytes(b, off, len);
  }

  void writeByte(int b) {
    ensure(1);
    bytes[size++] = (byte) b;
  }

  void writeBytes(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, bytes, size, len);
    size += len;
  }

  private void put16(int v) {
    bytes[size++] = (byte) (v >>> 8);
    bytes[size++] = (byte) v;
  }

  private void put32(int v) {
    bytes[size++] = (byte) (v >>> 24);
    bytes[size++] = (byte) (v >>> 16);
    bytes[size++] = (byte) (v >>> 8);
    bytes[size++] = (byte) v;
  }

  private void put64(long v) {
    put32((int) (v >>> 32));
    put32((int) v);
  }

  void writeNil() {
    writeByte(0xc0);
  }

  void writeBoolean(boolean v) {
    writeByte(v ? 0xc3 : 0xc2);
  }

  /** Writes an integer in the smallest format, unsigned formats for non-negative values. */
  void writeLong(long v) {
    ensure(9);
    if (v >= 0) {
      if (v < 128) {
        bytes[size++] = (byte) v;
      } else if (v < 256) {
        bytes[size++] = (byte) 0xcc;
        bytes[size++] = (byte) v;
      } else if (v < 65536) {
        bytes[size++] = (byte) 0xcd;
        put16((int) v);
      } else if (v < (1L << 32)) {
        bytes[size++] = (byte) 0xce;
        put32((int) v);
      } else {
        bytes[size++] = (byte) 0xcf;
        put64(v);
      }
    } else if (v >= -32) {
      bytes[size++] = (byte) v;
    } else if (v >= Byte.MIN_VALUE) {
      bytes[size++] = (byte) 0xd0;
      bytes[size++] = (byte) v;
    } else if (v >= Short.MIN_VALUE) {
      bytes[size++] = (byte) 0xd1;
      put16((int) v);
    } else if (v >= Integer.MIN_VALUE) {
      bytes[size++] = (byte) 0xd2;
      put32((int) v);
    } else {
      bytes[size++] = (byte) 0xd3;
      put64(v);
    }
  }

  /** Writes a uint64 from its 64 bits (a value from 2^63 to 2^64-1). */
  void writeUint64(long bits) {
    ensure(9);
    bytes[size++] = (byte) 0xcf;
    put64(bits);
  }

  void writeFloat(float v) {
    ensure(5);
    bytes[size++] = (byte) 0xca;
    put32(Float.floatToRawIntBits(v));
  }

  void writeDouble(double v) {
    ensure(9);
    bytes[size++] = (byte) 0xcb;
    put64(Double.doubleToRawLongBits(v));
  }

  void writeArrayHeader(int n) {
    ensure(5);
    if (n < 16) {
      bytes[size++] = (byte) (0x90 | n);
    } else if (n < 65536) {
      bytes[size++] = (byte) 0xdc;
      put16(n);
    } else {
      bytes[size++] = (byte) 0xdd;
      put32(n);
    }
  }

  void writeMapHeader(int n) {
    ensure(5);
    if (n < 16) {
      bytes[size++] = (byte) (0x80 | n);
    } else if (n < 65536) {
      bytes[size++] = (byte) 0xde;
      put16(n);
    } else {
      bytes[size++] = (byte) 0xdf;
      put32(n);
    }
  }

  void writeStrHeader(int n) {
    ensure(5);
    if (n < 32) {
      bytes[size++] = (byte) (0xa0 | n);
    } else if (n < 256) {
      bytes[size++] = (byte) 0xd9;
      bytes[size++] = (byte) n;
    } else if (n < 65536) {
      bytes[size++] = (byte) 0xda;
      put16(n);
    } else {
      bytes[size++] = (byte) 0xdb;
      put32(n);
    }
  }

  void writeBinHeader(int n) {
    ensure(5);
    if (n < 256) {
      bytes[size++] = (byte) 0xc4;
      bytes[size++] = (byte) n;
    } else if (n < 65536) {
      bytes[size++] = (byte) 0xc5;
      put16(n);
    } else {
      bytes[size++] = (byte) 0xc6;
      put32(n);
    }
  }

  /**
   * Writes chars as a str: UTF-8, an unpaired surrogate as {@code '?'} (as {@link String#getBytes}
   * and the Java marshaller write it).
   */
  void writeString(char[] chars, int off, int len) {
    int end = off + len;
    int utf8 = len;
    for (int i = off; i < end; i++) {
      char c = chars[i];
      if (c >= 0x80) {
        if (c < 0x800) {
          utf8 += 1;
        } else if (Character.isHighSurrogate(c)
            && i + 1 < end
            && Character.isLowSurrogate(chars[i + 1])) {
          utf8 += 2; // 4 bytes for 2 chars
          i++;
        } else if (Character.isSurrogate(c)) {
          // unpaired: '?', one byte
        } else {
          utf8 += 2;
        }
      }
    }
    writeStrHeader(utf8);
    ensure(utf8);
    byte[] b = bytes;
    int p = size;
    for (int i = off; i < end; i++) {
      char c = chars[i];
      if (c < 0x80) {
        b[p++] = (byte) c;
      } else if (c < 0x800) {
        b[p++] = (byte) (0xc0 | (c >> 6));
        b[p++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < end
          && Character.isLowSurrogate(chars[i + 1])) {
        int cp = Character.toCodePoint(c, chars[++i]);
        b[p++] = (byte) (0xf0 | (cp >> 18));
        b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        b[p++] = (byte) (0x80 | (cp & 0x3f));
      } else if (Character.isSurrogate(c)) {
        b[p++] = '?';
      } else {
        b[p++] = (byte) (0xe0 | (c >> 12));
        b[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        b[p++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    size = p;
  }

  void writeString(String s) {
    char[] chars = s.toCharArray();
    writeString(chars, 0, chars.length);
  }

  void writeBinary(byte[] b) {
    writeBinHeader(b.length);
    writeBytes(b, 0, b.length);
  }

  /**
   * Writes the timestamp extension (type -1) in the smallest of its three forms, as msgpack-core's
   * {@code packTimestamp} does.
   */
  void writeTimestamp(long seconds, int nanos) {
    ensure(15);
    if (seconds >>> 34 == 0) {
      long data64 = ((long) nanos << 34) | seconds;
      if ((data64 & 0xffffffff00000000L) == 0) {
        bytes[size++] = (byte) 0xd6; // fixext 4
        bytes[size++] = (byte) -1;
        put32((int) seconds);
      } else {
        bytes[size++] = (byte) 0xd7; // fixext 8
        bytes[size++] = (byte) -1;
        put64(data64);
      }
    } else {
      bytes[size++] = (byte) 0xc7; // ext 8
      bytes[size++] = 12;
      bytes[size++] = (byte) -1;
      put32(nanos);
      put64(seconds);
    }
  }

  /**
   * Turns the one-byte array or map header written at {@code at} (reserved as {@code 0x90} or
   * {@code 0x80}) into the smallest header for {@code n}, shifting what follows when it needs more
   * bytes.
   */
  void fixHeader(int at, int n, boolean map) {
    if (n < 16) {
      bytes[at] = (byte) ((map ? 0x80 : 0x90) | n);
      return;
    }
    int extra = n < 65536 ? 2 : 4;
    ensure(extra);
    System.arraycopy(bytes, at + 1, bytes, at + 1 + extra, size - at - 1);
    size += extra;
    int p = at;
    if (extra == 2) {
      bytes[p++] = (byte) (map ? 0xde : 0xdc);
      bytes[p++] = (byte) (n >>> 8);
      bytes[p] = (byte) n;
    } else {
      bytes[p++] = (byte) (map ? 0xdf : 0xdd);
      bytes[p++] = (byte) (n >>> 24);
      bytes[p++] = (byte) (n >>> 16);
      bytes[p++] = (byte) (n >>> 8);
      bytes[p] = (byte) n;
    }
  }
}
