package io.switchboard.msgpack;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One encoded message as grpc wants it: {@link KnownLength} (grpc frames it without copying to
 * learn its size) and {@link Drainable} (grpc has it write itself into the transport's buffer).
 */
final class MessageStream extends InputStream implements KnownLength, Drainable {
  private final byte[] bytes;
  private int position;

  MessageStream(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Returns the whole message if nothing has been read yet, else null. */
  byte[] unreadBytes() {
    return position == 0 ? bytes : null;
  }

  @Override
  public int drainTo(OutputStream target) throws IOException {
    int n = bytes.length - position;
    target.write(bytes, position, n);
    position = bytes.length;
    return n;
  }

  @Override
  public int available() {
    return bytes.length - position;
  }

  @Override
  public int read() {
    return position < bytes.length ? bytes[position++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    int n = Math.min(len, bytes.length - position);
    if (n <= 0) {
      return -1;
    }
    System.arraycopy(bytes, position, b, off, n);
    position += n;
    return n;
  }

  @Override
  public long skip(long n) {
    long skipped = Math.max(0, Math.min(n, bytes.length - position));
    position += (int) skipped;
    return skipped;
  }
}
