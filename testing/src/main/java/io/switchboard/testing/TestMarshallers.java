package io.switchboard.testing;

import io.grpc.MethodDescriptor.Marshaller;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The plainest marshallers, for tests whose messages do not matter: a string as its UTF-8 bytes,
 * and raw bytes as they are (also the way to send a malformed message on purpose). Both are
 * stateless and thread-safe.
 */
public final class TestMarshallers {
  private TestMarshallers() {}

  /** Returns a marshaller of strings as their UTF-8 bytes. */
  public static Marshaller<String> utf8() {
    return Utf8.INSTANCE;
  }

  /**
   * Returns a marshaller of byte arrays as they are; parsing copies the message into a new array.
   */
  public static Marshaller<byte[]> bytes() {
    return Bytes.INSTANCE;
  }

  private static byte[] readAll(InputStream stream) {
    try {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private enum Utf8 implements Marshaller<String> {
    INSTANCE;

    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      return new String(readAll(stream), StandardCharsets.UTF_8);
    }
  }

  private enum Bytes implements Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      return readAll(stream);
    }
  }
}
