package io.switchboard.gateway;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds and reads the length-prefixed messages of gRPC-Web and Connect streams in tests, written
 * from the specs independently of the gateway's own code.
 */
final class Frames {
  /** One message of a body: its flags byte and payload. */
  record Frame(int flags, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  private Frames() {}

  static byte[] frame(int flags, byte[] payload) {
    return ByteBuffer.allocate(5 + payload.length)
        .put((byte) flags)
        .putInt(payload.length)
        .put(payload)
        .array();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  /** Splits a body into its frames; fails on a truncated one. */
  static List<Frame> parse(byte[] body) {
    List<Frame> frames = new ArrayList<>();
    ByteBuffer in = ByteBuffer.wrap(body);
    while (in.hasRemaining()) {
      int flags = in.get() & 0xff;
      int length = in.getInt();
      byte[] payload = new byte[length];
      in.get(payload);
      frames.add(new Frame(flags, payload));
    }
    return frames;
  }

  /** Reads a gRPC-Web trailers frame's block ({@code name:value\r\n}...). */
  static Map<String, String> trailers(Frame frame) {
    Map<String, String> trailers = new LinkedHashMap<>();
    for (String line : frame.text().split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        trailers.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
      }
    }
    return trailers;
  }
}
