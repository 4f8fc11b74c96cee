package io.switchboard.msgpack;

import java.io.IOException;
import java.util.Arrays;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.buffer.MessageBuffer;
import org.msgpack.core.buffer.MessageBufferOutput;

/**
 * A per-thread growable byte array that a reused {@link MessagePacker} writes into. A message is
 * packed here, then copied once into an exact-size array. A buffer grown past the pooled limit by
 * one large message is dropped after it, so no thread keeps a large buffer.
 */
final class EncodeBuffer implements MessageBufferOutput {
  /** First size of a thread's buffer: fits a typical small RPC message without growing. */
  private static final int INITIAL_BYTES = 512;

  private static final ThreadLocal<EncodeBuffer> CURRENT =
      ThreadLocal.withInitial(EncodeBuffer::new);

  private byte[] bytes = new byte[INITIAL_BYTES];
  private int size;
  private MessagePacker packer;
  private boolean inUse;

  /** Returns this thread's buffer, or a fresh one if it is in use (a codec encoding inside). */
  static EncodeBuffer acquire() {
    EncodeBuffer buffer = CURRENT.get();
    if (buffer.inUse) {
      buffer = new EncodeBuffer();
    }
    buffer.inUse = true;
    buffer.size = 0;
    if (buffer.packer == null) {
      buffer.packer = MessagePack.DEFAULT_PACKER_CONFIG.newPacker(buffer);
    }
    return buffer;
  }

  /** Returns the size of the array held, for tests of the pooled limit. */
  int capacity() {
    return bytes.length;
  }

  MessagePacker packer() {
    return packer;
  }

  /** Flushes the packer and returns a copy of the bytes written. */
  byte[] toByteArray() throws IOException {
    packer.flush();
    return Arrays.copyOf(bytes, size);
  }

  /**
   * Returns the buffer to its thread. After a failure the packer may hold a partial value, so it is
   * replaced; a buffer grown past {@code maxPooledBytes} is replaced by a small one.
   */
  void release(boolean failed, int maxPooledBytes) {
    if (failed) {
      packer = null;
    }
    if (bytes.length > maxPooledBytes) {
      bytes = new byte[INITIAL_BYTES];
    }
    size = 0;
    inUse = false;
  }

  private void ensureRoom(int more) {
    if (bytes.length - size < more) {
      long wanted = Math.max((long) bytes.length * 2, (long) size + more);
      if (wanted > Integer.MAX_VALUE - 8) {
        throw new OutOfMemoryError("message over 2 GiB");
      }
      bytes = Arrays.copyOf(bytes, (int) wanted);
    }
  }

  @Override
  public MessageBuffer next(int minimumSize) {
    ensureRoom(Math.max(minimumSize, INITIAL_BYTES / 2));
    return MessageBuffer.wrap(bytes, size, bytes.length - size);
  }

  @Override
  public void writeBuffer(int length) {
    size += length;
  }

  @Override
  public void write(byte[] buffer, int offset, int length) {
    ensureRoom(length);
    System.arraycopy(buffer, offset, bytes, size, length);
    size += length;
  }

  @Override
  public void add(byte[] buffer, int offset, int length) {
    write(buffer, offset, length);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
