package io.switchboard.gateway;

import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Translates between HTTP headers and grpc's {@link Metadata}, and reads the call's deadline and
 * writes its status the way each protocol spells them: gRPC's {@code grpc-timeout}, {@code
 * grpc-status} and percent-encoded {@code grpc-message}; Connect's {@code connect-timeout-ms} and
 * error codes.
 */
final class WireHeaders {
  /** Headers that never become metadata: HTTP's own, and Netty's HTTP/2-to-1 extension headers. */
  private static final Set<String> NOT_METADATA =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "transfer-encoding",
          "upgrade",
          "http2-settings",
          "host",
          "content-length",
          "content-type",
          "te",
          "accept",
          "accept-encoding",
          "origin",
          "referer",
          "connect-protocol-version",
          "connect-timeout-ms",
          "connect-content-encoding",
          "connect-accept-encoding",
          "x-grpc-web");

  /** The largest grpc-timeout value: 8 digits, as the gRPC spec allows. */
  private static final long MAX_TIMEOUT_VALUE = 99_999_999L;

  private static final Base64.Encoder BASE64 = Base64.getEncoder().withoutPadding();

  private WireHeaders() {}

  /** Returns the request's metadata: every header but HTTP's own; binary ones base64-decoded. */
  static Metadata toMetadata(HttpHeaders headers) {
    Metadata metadata = new Metadata();
    for (Map.Entry<String, String> header : headers) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith(":") || name.startsWith("x-http2-") || NOT_METADATA.contains(name)) {
        continue;
      }
      try {
        if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          metadata.put(
              Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER),
              Base64.getDecoder().decode(header.getValue().strip()));
        } else {
          metadata.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), header.getValue());
        }
      } catch (IllegalArgumentException e) {
        // A header name grpc refuses (e.g. '+' in it) or bad base64: not forwarded.
      }
    }
    return metadata;
  }

  /** Calls {@code sink} with each header of {@code metadata}, binary values base64-encoded. */
  static void forEach(Metadata metadata, BiConsumer<String, String> sink) {
    for (String name : metadata.keys()) {
      if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        for (byte[] value :
            metadata.getAll(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER))) {
          sink.accept(name, BASE64.encodeToString(value));
        }
      } else {
        for (String value :
            metadata.getAll(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER))) {
          sink.accept(name, value);
        }
      }
    }
  }

  /** Adds the metadata to HTTP headers, each name prefixed with {@code prefix}. */
  static void addTo(HttpHeaders headers, Metadata metadata, String prefix) {
    forEach(metadata, (name, value) -> headers.add(prefix + name, value));
  }

  /**
   * Returns the deadline of a {@code grpc-timeout} value ({@code 100m}, {@code 5S}), or null if
   * there is none.
   *
   * @throws io.grpc.StatusRuntimeException with INVALID_ARGUMENT for a malformed value
   */
  static Deadline grpcTimeout(String value) {
    if (value == null) {
      return null;
    }
    String v = value.strip();
    if (v.length() < 2 || v.length() > 9) {
      throw badTimeout("grpc-timeout", value);
    }
    long amount;
    try {
      amount = Long.parseLong(v.substring(0, v.length() - 1));
    } catch (NumberFormatException e) {
      throw badTimeout("grpc-timeout", value);
    }
    if (amount < 0 || amount > MAX_TIMEOUT_VALUE) {
      throw badTimeout("grpc-timeout", value);
    }
    TimeUnit unit =
        switch (v.charAt(v.length() - 1)) {
          case 'H' -> TimeUnit.HOURS;
          case 'M' -> TimeUnit.MINUTES;
          case 'S' -> TimeUnit.SECONDS;
          case 'm' -> TimeUnit.MILLISECONDS;
          case 'u' -> TimeUnit.MICROSECONDS;
          case 'n' -> TimeUnit.NANOSECONDS;
          default -> throw badTimeout("grpc-timeout", value);
        };
    return Deadline.after(amount, unit);
  }

  /**
   * Returns the deadline of a {@code connect-timeout-ms} value, or null if there is none.
   *
   * @throws io.grpc.StatusRuntimeException with INVALID_ARGUMENT for a malformed value
   */
  static Deadline connectTimeout(String value) {
    if (value == null) {
      return null;
    }
    String v = value.strip();
    if (v.isEmpty() || v.length() > 10 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw badTimeout("connect-timeout-ms", value);
    }
    return Deadline.after(Long.parseLong(v), TimeUnit.MILLISECONDS);
  }

  private static RuntimeException badTimeout(String header, String value) {
    String shown = value.length() > 32 ? value.substring(0, 32) + "..." : value;
    return Status.INVALID_ARGUMENT
        .withDescription(
            "malformed "
                + header
                + " header '"
                + shown
                + "' (expected: "
                + (header.equals("grpc-timeout")
                    ? "up to 8 digits and a unit H, M, S, m, u or n, e.g. 500m)"
                    : "up to 10 digits of milliseconds)"))
        .asRuntimeException();
  }

  /** Percent-encodes a status description for {@code grpc-message}, as the gRPC spec says. */
  static String percentEncode(String description) {
    byte[] bytes = description.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }

  /** Returns Connect's name of a code: {@code invalid_argument}, {@code canceled}, ... */
  static String connectCode(Status.Code code) {
    return code == Status.Code.CANCELLED ? "canceled" : code.name().toLowerCase(Locale.ROOT);
  }

  /** Returns the HTTP status of a unary Connect error, per the Connect protocol's table. */
  static int connectHttpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case CANCELLED -> 499;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case DEADLINE_EXCEEDED -> 504;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case PERMISSION_DENIED -> 403;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case UNAUTHENTICATED -> 401;
      case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
    };
  }
}
