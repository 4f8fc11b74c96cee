package io.switchboard.gateway;

import io.grpc.Detachable;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Hands a message's bytes from one call to the other without parsing them and, where the transport
 * allows, without copying them.
 *
 * <p>{@link #parse} takes ownership of the transport's buffers through {@link Detachable}: grpc
 * closes the stream it passed in once the listener returns, so the detached stream is what keeps
 * the bytes alive until the other call writes them. {@link #stream} wraps it in a {@link Drainable}
 * so grpc's framer copies it straight into the outbound buffer through a reused scratch array
 * instead of allocating one per message (grpc's fallback copy does). A stream that cannot be
 * detached (in-process transport, a compressed message) is read into a {@code byte[]} once.
 */
final class PassthroughMarshaller implements MethodDescriptor.Marshaller<InputStream> {
  static final PassthroughMarshaller INSTANCE = new PassthroughMarshaller();

  /** Scratch size for draining: grpc-netty's largest write chunk for a message this side of 32K. */
  static final int SCRATCH_BYTES = 16 * 1024;

  private static final ThreadLocal<byte[]> SCRATCH =
      ThreadLocal.withInitial(() -> new byte[SCRATCH_BYTES]);

  private PassthroughMarshaller() {}

  @Override
  public InputStream stream(InputStream value) {
    return value instanceof Message ? value : new Message(value);
  }

  @Override
  public InputStream parse(InputStream stream) {
    try {
      if (stream instanceof Detachable detachable && stream instanceof KnownLength) {
        return new Message(detachable.detach());
      }
      return new Message(new ByteArrayInputStream(stream.readAllBytes()));
    } catch (IOException e) {
      throw Status.INTERNAL
          .withDescription("gateway could not read a message: " + e)
          .withCause(e)
          .asRuntimeException();
    }
  }

  /** Returns the size in bytes of a message handed out by {@link #parse}. */
  static int size(InputStream message) {
    try {
      return message.available();
    } catch (IOException e) {
      return 0;
    }
  }

  /** Releases a message's buffers when it will not be sent. */
  static void release(InputStream message) {
    try {
      message.close();
    } catch (IOException | RuntimeException ignored) {
      // Releasing a buffer is best effort; nothing more can be done with it.
    }
  }

  /**
   * A message on its way through: a known-length stream over the transport's own buffers that
   * drains into the framer through a per-thread scratch array.
   */
  static final class Message extends InputStream implements KnownLength, Drainable {
    private final InputStream bytes;

    Message(InputStream bytes) {
      this.bytes = bytes;
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      byte[] scratch = SCRATCH.get();
      int total = 0;
      int n;
      while ((n = bytes.read(scratch, 0, scratch.length)) > 0) {
        target.write(scratch, 0, n);
        total += n;
      }
      return total;
    }

    @Override
    public int read() throws IOException {
      return bytes.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return bytes.read(b, off, len);
    }

    @Override
    public long skip(long n) throws IOException {
      return bytes.skip(n);
    }

    @Override
    public int available() throws IOException {
      return bytes.available();
    }

    @Override
    public void close() throws IOException {
      bytes.close();
    }
  }
}
