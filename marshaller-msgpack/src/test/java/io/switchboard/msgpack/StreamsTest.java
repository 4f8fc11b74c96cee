package io.switchboard.msgpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Drainable;
import io.grpc.HasByteBuffer;
import io.grpc.KnownLength;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.msgpack.TestTypes.User;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessagePacker;

/** The grpc stream contracts: KnownLength, Drainable, HasByteBuffer, unknown-length input. */
class StreamsTest {
  private static final MessagePackMarshaller<User> USERS = MessagePackMarshaller.of(User.class);
  private static final User ANN = new User(1, "ann", "ann@example.com", 42, true);

  @Test
  void streamHasAnExactKnownLengthAndDrains() throws Exception {
    InputStream stream = USERS.stream(ANN);
    assertThat(stream).isInstanceOf(KnownLength.class).isInstanceOf(Drainable.class);
    byte[] expected = USERS.encode(ANN);
    assertThat(stream.available()).isEqualTo(expected.length);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(((Drainable) stream).drainTo(out)).isEqualTo(expected.length);
    assertThat(out.toByteArray()).isEqualTo(expected);
    assertThat(stream.available()).isZero();
    assertThat(stream.read()).isEqualTo(-1);
  }

  @Test
  void parseReadsByteBuffersInPlace() {
    byte[] bytes = USERS.encode(ANN);
    int cut = 7;
    for (boolean direct : new boolean[] {false, true}) {
      BufferStream stream =
          new BufferStream(
              List.of(buffer(bytes, 0, cut, direct), buffer(bytes, cut, bytes.length, direct)));
      assertThat(USERS.parse(stream)).isEqualTo(ANN);
      // Heap buffers are always read in place; direct ones when the JVM lets msgpack-core in.
      boolean inPlace = !direct || MessagePackMarshaller.DIRECT_BUFFERS_IN_PLACE;
      assertThat(stream.bytesRead).isEqualTo(inPlace ? 0 : bytes.length);
    }
  }

  @Test
  void parseReadsStreamsOfUnknownLengthUpToTheLimit() {
    byte[] bytes = USERS.encode(ANN);
    assertThat(USERS.parse(new UnknownLength(bytes))).isEqualTo(ANN);
    MessagePackMarshaller<User> small =
        MessagePackMarshaller.of(
            User.class, MessagePackSettings.newBuilder().maxMessageBytes(bytes.length - 1).build());
    assertThatThrownBy(() -> small.parse(new UnknownLength(bytes)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .contains("more than " + (bytes.length - 1) + " bytes exceeds maxMessageBytes");
            });
  }

  @Test
  void largeMessagesDoNotKeepALargeBufferOnTheThread() {
    User big = new User(1, "x".repeat(200_000), "e", 1, true);
    assertThat(USERS.decode(USERS.encode(big))).isEqualTo(big);
    EncodeBuffer buffer = EncodeBuffer.acquire();
    try {
      assertThat(buffer.capacity()).isLessThanOrEqualTo(USERS.settings().maxPooledBufferBytes());
    } finally {
      buffer.release(false, USERS.settings().maxPooledBufferBytes());
    }
  }

  /** A user carried as the bin of its own encoding: a codec that uses a marshaller inside. */
  record Blob(User user) {}

  record Envelope(Blob blob, String after) {}

  @Test
  void aCodecMayEncodeAndDecodeWithAMarshallerInside() {
    MessagePackCodec<Blob> blobs =
        new MessagePackCodec<>() {
          @Override
          public void encode(MessagePacker packer, Blob value) throws IOException {
            byte[] bytes = USERS.encode(value.user());
            packer.packBinaryHeader(bytes.length).writePayload(bytes);
          }

          @Override
          public Blob decode(MessagePackReader reader) throws IOException {
            return new Blob(USERS.decode(reader.readBinary()));
          }
        };
    MessagePackMarshaller<Envelope> envelopes =
        MessagePackMarshaller.of(
            Envelope.class,
            MessagePackSettings.newBuilder()
                .codecs(CodecRegistry.newBuilder().register(Blob.class, blobs).build())
                .build());
    Envelope envelope = new Envelope(new Blob(ANN), "after the blob");
    assertThat(envelopes.decode(envelopes.encode(envelope))).isEqualTo(envelope);
    assertThat(envelopes.parse(envelopes.stream(envelope))).isEqualTo(envelope);
  }

  @Test
  void concurrentEncodeAndDecodeAreIndependent() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        tasks.add(
            () -> {
              for (int i = 0; i < 5_000; i++) {
                User u = new User(i, "t" + thread + "-" + i, "e" + i, thread, i % 2 == 0);
                assertThat(USERS.parse(USERS.stream(u))).isEqualTo(u);
              }
              return null;
            });
      }
      for (Future<Void> f : pool.invokeAll(tasks, 60, TimeUnit.SECONDS)) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  private static ByteBuffer buffer(byte[] bytes, int from, int to, boolean direct) {
    ByteBuffer b = direct ? ByteBuffer.allocateDirect(to - from) : ByteBuffer.allocate(to - from);
    b.put(bytes, from, to - from).flip();
    return b;
  }

  /** Like grpc's Netty message stream: known length, readable as buffers, markable. */
  private static final class BufferStream extends InputStream
      implements KnownLength, HasByteBuffer {
    private final List<ByteBuffer> buffers;
    private int index;
    private int offset;
    private int markIndex;
    private int markOffset;
    int bytesRead;

    BufferStream(List<ByteBuffer> buffers) {
      this.buffers = buffers;
    }

    @Override
    public boolean byteBufferSupported() {
      return true;
    }

    @Override
    public ByteBuffer getByteBuffer() {
      if (index >= buffers.size()) {
        return null;
      }
      ByteBuffer b = buffers.get(index).duplicate();
      b.position(offset);
      return b.slice();
    }

    @Override
    public int available() {
      int n = 0;
      for (int i = index; i < buffers.size(); i++) {
        n += buffers.get(i).remaining() - (i == index ? offset : 0);
      }
      return n;
    }

    @Override
    public long skip(long n) {
      long left = n;
      while (left > 0 && index < buffers.size()) {
        int here = buffers.get(index).remaining() - offset;
        int step = (int) Math.min(left, here);
        offset += step;
        left -= step;
        if (offset == buffers.get(index).remaining()) {
          index++;
          offset = 0;
        }
      }
      return n - left;
    }

    @Override
    public int read() {
      if (index >= buffers.size()) {
        return -1;
      }
      int b = buffers.get(index).get(offset) & 0xff;
      bytesRead++;
      skip(1);
      return b;
    }

    @Override
    public boolean markSupported() {
      return true;
    }

    @Override
    public void mark(int limit) {
      markIndex = index;
      markOffset = offset;
    }

    @Override
    public void reset() {
      index = markIndex;
      offset = markOffset;
    }
  }

  /** A stream that does not know its length, as grpc's stream of a compressed message. */
  private static final class UnknownLength extends InputStream {
    private final ByteArrayInputStream in;

    UnknownLength(byte[] bytes) {
      this.in = new ByteArrayInputStream(bytes);
    }

    @Override
    public int read() {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return in.read(b, off, len);
    }
  }
}
