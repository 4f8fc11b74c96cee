package io.switchboard.benchmarks;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The plainest marshaller: a message is its bytes, read into a new {@code byte[]} (as grpc-java's
 * {@code GrpcProxy} example does). Shared by the benchmarks whose payloads are raw bytes.
 */
public final class ByteArrayMarshaller implements MethodDescriptor.Marshaller<byte[]> {
  /** The one instance; it holds no state. */
  public static final ByteArrayMarshaller INSTANCE = new ByteArrayMarshaller();

  private ByteArrayMarshaller() {}

  @Override
  public InputStream stream(byte[] value) {
    return new ByteArrayInputStream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
