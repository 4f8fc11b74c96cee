package io.switchboard.stream;

import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Test messages and a small hand-written marshaller for them (the module needs no codec). */
final class TestMessages {
  private TestMessages() {}

  /** A message: who made it, its sequence, its priority and a payload. */
  record Msg(int producer, long seq, int priority, byte[] payload) {
    static Msg of(int producer, long seq, int priority, int payloadBytes) {
      return new Msg(producer, seq, priority, new byte[payloadBytes]);
    }

    int size() {
      return 16 + payload.length;
    }
  }

  /** A request: how many messages, and a tag the server may use. */
  record Req(long count, String tag) {}

  static final Marshaller<Msg> MSG =
      new Codec<>(
          (m, out) -> {
            out.writeInt(m.producer());
            out.writeLong(m.seq());
            out.writeInt(m.priority());
            out.writeInt(m.payload().length);
            out.write(m.payload());
          },
          in -> {
            int producer = in.readInt();
            long seq = in.readLong();
            int priority = in.readInt();
            byte[] payload = new byte[in.readInt()];
            in.readFully(payload);
            return new Msg(producer, seq, priority, payload);
          });

  static final Marshaller<Req> REQ =
      new Codec<>(
          (r, out) -> {
            out.writeLong(r.count());
            out.writeUTF(r.tag());
          },
          in -> new Req(in.readLong(), in.readUTF()));

  static final Marshaller<Long> LONG =
      new Codec<>((v, out) -> out.writeLong(v), DataInputStream::readLong);

  interface Writer<T> {
    void write(T value, DataOutputStream out) throws IOException;
  }

  interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  static final class Codec<T> implements Marshaller<T> {
    private final Writer<T> writer;
    private final Reader<T> reader;

    Codec(Writer<T> writer, Reader<T> reader) {
      this.writer = writer;
      this.reader = reader;
    }

    @Override
    public InputStream stream(T value) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        writer.write(value, out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new ByteArrayInputStream(bytes.toByteArray());
    }

    @Override
    public T parse(InputStream stream) {
      try (DataInputStream in = new DataInputStream(stream)) {
        return reader.read(in);
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("bad message: " + e).asRuntimeException();
      }
    }
  }
}
