package io.switchboard.cli;

import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** How to reach the server: TLS or plaintext, headers, deadline. Shared by every command. */
final class ConnectionOptions {
  /**
   * Deadline of the schema reflection calls when {@code --deadline} is not given: a server that
   * answers nothing in 10 s is not going to.
   */
  static final Duration DEFAULT_REFLECTION_DEADLINE = Duration.ofSeconds(10);

  @Option(
      names = "--plaintext",
      description =
          "Connect without TLS. Default: TLS, trusting the JVM's authorities or --cacert.")
  boolean plaintext;

  @Option(
      names = "--cacert",
      paramLabel = "FILE",
      description = "PEM file of the certificate authorities to trust instead of the JVM's.")
  Path caCert;

  @Option(
      names = "--cert",
      paramLabel = "FILE",
      description = "PEM certificate chain of this client, for mutual TLS (with --key).")
  Path cert;

  @Option(names = "--key", paramLabel = "FILE", description = "PEM private key (PKCS#8) of --cert.")
  Path key;

  @Option(
      names = "--authority",
      paramLabel = "NAME",
      description =
          "The :authority sent, and the name the server's certificate must carry."
              + " Default: HOST.")
  String authority;

  @Option(
      names = {"-H", "--header"},
      paramLabel = "'NAME: VALUE'",
      description =
          "A request header, e.g. -H 'authorization: Bearer t0ken'; repeatable."
              + " A NAME ending in -bin takes a base64 VALUE.")
  List<String> headers = new ArrayList<>();

  @Option(
      names = "--deadline",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "Deadline of each call, e.g. 500ms, 5s, 2m, 1h or PT5S. Default: none for `call`"
              + " (streams run until they end), 10s for the schema lookups.")
  Duration deadline;

  /**
   * Returns the headers as grpc metadata.
   *
   * @throws CliException for a header that is not {@code NAME: VALUE} or not a valid gRPC header
   */
  Metadata metadata() {
    Metadata metadata = new Metadata();
    for (String header : headers) {
      int colon = header.indexOf(':');
      if (colon <= 0) {
        throw CliException.usage(
            "-H '" + header + "': expected 'NAME: VALUE', e.g. 'authorization: Bearer t0ken'");
      }
      String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = header.substring(colon + 1).trim();
      try {
        if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          byte[] bytes = Base64.getDecoder().decode(value.getBytes(StandardCharsets.US_ASCII));
          metadata.put(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER), bytes);
        } else {
          metadata.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
        }
      } catch (IllegalArgumentException e) {
        throw CliException.usage("-H '" + header + "': " + e.getMessage());
      }
    }
    return metadata;
  }

  /** Checks that the TLS options fit together. */
  void check() {
    if (plaintext && (caCert != null || cert != null || key != null)) {
      throw CliException.usage(
          "--plaintext cannot go with --cacert, --cert or --key (TLS options)");
    }
    if ((cert == null) != (key == null)) {
      throw CliException.usage("--cert and --key go together (a client certificate and its key)");
    }
  }

  /** {@code 500ms}, {@code 5s}, {@code 1.5s}, {@code 2m}, {@code 1h}, or ISO-8601 {@code PT5S}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d = parse(value.trim());
      if (d == null || d.isNegative() || d.isZero()) {
        throw new TypeConversionException(
            "'" + value + "' is not a positive duration (e.g. 500ms, 5s, 2m, 1h, PT5S)");
      }
      return d;
    }

    private static Duration parse(String v) {
      try {
        if (v.regionMatches(true, 0, "PT", 0, 2)) {
          return Duration.parse(v);
        }
        String unit = v.endsWith("ms") ? "ms" : v.isEmpty() ? "" : v.substring(v.length() - 1);
        String number = v.substring(0, v.length() - unit.length());
        if (number.isEmpty() || !number.matches("[0-9]+(\\.[0-9]+)?")) {
          return null;
        }
        long nanosPerUnit =
            switch (unit) {
              case "ms" -> 1_000_000L;
              case "s" -> 1_000_000_000L;
              case "m" -> 60_000_000_000L;
              case "h" -> 3_600_000_000_000L;
              default -> 0L;
            };
        if (nanosPerUnit == 0) {
          return null;
        }
        double nanos = Double.parseDouble(number) * nanosPerUnit;
        return nanos >= Long.MAX_VALUE ? null : Duration.ofNanos((long) nanos);
      } catch (DateTimeParseException | ArithmeticException e) {
        return null;
      }
    }
  }
}
