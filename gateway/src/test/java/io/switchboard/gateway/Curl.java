package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code curl} binary, a real HTTP/1.1 and HTTP/2 client, and reads what it got: the HTTP
 * version and status, the headers and the body bytes. Where curl is missing the calling test aborts
 * loudly (CI installs it through {@code .ci/run}, and fails if it is missing there).
 */
final class Curl {
  /** A finished exchange as curl saw it. */
  record Response(
      String httpVersion, int status, Map<String, String> headers, byte[] body, String log) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private static final String BINARY = "/usr/bin/curl";

  private Curl() {}

  /** Aborts the test (fails on CI) if there is no curl. */
  static void require() {
    Tools.require(BINARY, "curl");
  }

  /**
   * POSTs {@code body} with the given version flag ({@code --http1.1}, {@code
   * --http2-prior-knowledge}, {@code --http2}) and headers ({@code "name: value"}).
   */
  static Response post(String version, String url, byte[] body, String... headers) {
    return run(version, url, body, 30, headers);
  }

  static Response run(String version, String url, byte[] body, int maxSeconds, String... headers) {
    return run(List.of(version, "-X", "POST"), url, body, maxSeconds, headers);
  }

  /** Runs curl with {@code options} (version, method, TLS files...) and the body (if not null). */
  static Response run(
      List<String> options, String url, byte[] body, int maxSeconds, String... headers) {
    require();
    try {
      Path dir = Files.createTempDirectory("curl");
      try {
        Path in = dir.resolve("in");
        Path out = dir.resolve("out");
        Path head = dir.resolve("head");
        List<String> command =
            new ArrayList<>(
                List.of(
                    BINARY,
                    "-sS",
                    "--max-time",
                    Integer.toString(maxSeconds),
                    "-o",
                    out.toString(),
                    "-D",
                    head.toString(),
                    "-w",
                    "%{http_version} %{http_code}"));
        command.addAll(options);
        if (body != null) {
          Files.write(in, body);
          command.add("--data-binary");
          command.add("@" + in);
        }
        for (String header : headers) {
          command.add("-H");
          command.add(header);
        }
        command.add(url);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
          if (!process.waitFor(maxSeconds + 10L, TimeUnit.SECONDS)) {
            throw new AssertionError("curl did not finish within " + (maxSeconds + 10) + " s");
          }
          String written =
              new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
          String[] parts = written.split(" ");
          assertThat(parts).as("curl -w output: %s", written).hasSizeGreaterThanOrEqualTo(2);
          return new Response(
              parts[parts.length - 2],
              Integer.parseInt(parts[parts.length - 1]),
              headers(Files.readAllLines(head, StandardCharsets.ISO_8859_1)),
              Files.exists(out) ? Files.readAllBytes(out) : new byte[0],
              written);
        } finally {
          process.destroyForcibly();
        }
      } finally {
        try (var files = Files.list(dir)) {
          for (Path p : files.toList()) {
            Files.deleteIfExists(p);
          }
        }
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The headers of the last response in a {@code -D} dump (an upgrade's 101 comes first). */
  private static Map<String, String> headers(List<String> lines) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line : lines) {
      if (line.startsWith("HTTP/")) {
        headers.clear();
        continue;
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.merge(
            line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).strip(),
            (a, b) -> a + ", " + b);
      }
    }
    return headers;
  }
}
