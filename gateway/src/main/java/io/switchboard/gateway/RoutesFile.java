package io.switchboard.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the routes file of the standalone gateway: one route a line, blank lines and {@code #}
 * comments ignored.
 *
 * <pre>
 * # name  services (comma-separated)   target                 options
 * users   demo.UserService             127.0.0.1:7001         plaintext
 * logs    demo.logs.*                  127.0.0.1:7002         plaintext maxTimeout=PT10M
 * rest    *                            dns:///fallback:443    maxMessageBytes=1048576
 * </pre>
 *
 * <p>Options: {@code plaintext}, {@code maxMessageBytes=N}, {@code flowControlWindowBytes=N},
 * {@code defaultTimeout=DURATION}, {@code maxTimeout=DURATION} (ISO-8601, e.g. {@code PT30S}); for
 * a TLS backend {@code ca=PEM} (its CA bundle) and {@code cert=PEM key=PEM} (the gateway's client
 * certificate for mutual TLS).
 */
final class RoutesFile {
  private RoutesFile() {}

  static List<Route> read(Path file) throws IOException {
    return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  /**
   * @throws IllegalArgumentException naming the line, for any malformed line or setting
   */
  static List<Route> parse(List<String> lines) {
    List<Route> routes = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int comment = line.indexOf('#');
      String content = (comment >= 0 ? line.substring(0, comment) : line).strip();
      if (content.isEmpty()) {
        continue;
      }
      try {
        routes.add(parseLine(content.split("\\s+")));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "routes file line " + (i + 1) + ": " + e.getMessage() + " in '" + line.strip() + "'",
            e);
      }
    }
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("routes file: no route (expected: at least one line)");
    }
    return routes;
  }

  private static Route parseLine(String[] fields) {
    if (fields.length < 3) {
      throw new IllegalArgumentException(
          fields.length + " fields (expected: name services target [options])");
    }
    Route.Builder route = Route.named(fields[0]).target(fields[2]);
    Path[] clientCert = new Path[2];
    for (String pattern : fields[1].split(",")) {
      route.service(pattern);
    }
    for (int i = 3; i < fields.length; i++) {
      String option = fields[i];
      if (option.equals("plaintext")) {
        route.usePlaintext();
        continue;
      }
      int eq = option.indexOf('=');
      String key = eq < 0 ? option : option.substring(0, eq);
      String value = eq < 0 ? "" : option.substring(eq + 1);
      switch (key) {
        case "maxMessageBytes" -> route.maxMessageBytes(integer(key, value));
        case "flowControlWindowBytes" -> route.flowControlWindowBytes(integer(key, value));
        case "defaultTimeout" -> route.defaultTimeout(duration(key, value));
        case "maxTimeout" -> route.maxTimeout(duration(key, value));
        case "ca" -> route.trustedCertificates(Path.of(value));
        case "cert" -> clientCert[0] = Path.of(value);
        case "key" -> clientCert[1] = Path.of(value);
        default ->
            throw new IllegalArgumentException(
                "option '"
                    + option
                    + "' (expected: plaintext, maxMessageBytes=, flowControlWindowBytes=,"
                    + " defaultTimeout=, maxTimeout=, ca=, cert=, key=)");
      }
    }
    if ((clientCert[0] == null) != (clientCert[1] == null)) {
      throw new IllegalArgumentException("cert= and key= (expected: both or neither)");
    }
    if (clientCert[0] != null) {
      route.clientCertificate(clientCert[0], clientCert[1]);
    }
    return route.build();
  }

  private static int integer(String key, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": '" + value + "' (expected: an integer)", e);
    }
  }

  private static Duration duration(String key, String value) {
    try {
      return Duration.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          key + ": '" + value + "' (expected: an ISO-8601 duration such as PT30S)", e);
    }
  }
}
