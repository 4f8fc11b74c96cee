package io.switchboard.examples.users;

import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A minimal hand-written marshaller over {@link DataOutputStream}, standing in until the
 * MessagePack marshaller exists. Shows that core's code-first API takes any marshaller.
 */
final class DataMarshaller<T> implements Marshaller<T> {
  interface Writer<T> {
    void write(T value, DataOutputStream out) throws IOException;
  }

  interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private final Writer<T> writer;
  private final Reader<T> reader;

  DataMarshaller(Writer<T> writer, Reader<T> reader) {
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
      throw Status.INVALID_ARGUMENT
          .withDescription("malformed message: " + e.getMessage())
          .withCause(e)
          .asRuntimeException();
    }
  }
}
