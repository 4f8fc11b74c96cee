package io.switchboard.gateway;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Parses a Prometheus text exposition with the Prometheus project's own Python client parser
 * ({@code prometheus_client.parser}, Debian package {@code python3-prometheus-client}, which {@code
 * .ci/run} installs), so a scrape is checked by a parser that is not ours.
 */
final class PrometheusText {
  static final String PYTHON = "/usr/bin/python3";

  private static final String SCRIPT =
      String.join(
          "\n",
          "import sys, urllib.parse",
          "from prometheus_client.parser import text_string_to_metric_families",
          "q = lambda s: urllib.parse.quote(s, safe='')",
          "for family in text_string_to_metric_families(sys.stdin.read()):",
          "    print('F\\t' + q(family.name) + '\\t' + family.type)",
          "    for s in family.samples:",
          "        labels = ','.join(q(k) + '=' + q(v) for k, v in sorted(s.labels.items()))",
          "        v = float(s.value)",
          "        v = 'NaN' if v != v else 'Infinity' if v == float('inf') else"
              + " '-Infinity' if v == float('-inf') else repr(v)",
          "        print('S\\t' + q(s.name) + '\\t' + labels + '\\t' + v)",
          "");

  /** One sample: a series' name (with its suffix, e.g. {@code _total}), labels and value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  /** The parsed exposition: each family's type by name, and every sample. */
  record Exposition(Map<String, String> types, List<Sample> samples) {
    /** Returns the samples with this name whose labels include the given ones. */
    List<Sample> find(String name, Map<String, String> labels) {
      return samples.stream()
          .filter(s -> s.name.equals(name) && s.labels.entrySet().containsAll(labels.entrySet()))
          .toList();
    }

    /** Returns the one sample with this name and labels (including those given). */
    double value(String name, Map<String, String> labels) {
      List<Sample> found = find(name, labels);
      if (found.size() != 1) {
        throw new AssertionError(
            found.size() + " samples " + name + labels + " (expected: 1) among " + names());
      }
      return found.get(0).value;
    }

    List<String> names() {
      return samples.stream().map(Sample::name).distinct().sorted().toList();
    }
  }

  private PrometheusText() {}

  /**
   * Parses the text; a malformed exposition fails the test with the parser's error.
   *
   * @throws AssertionError if python3 or prometheus_client is missing, or the text does not parse
   */
  static Exposition parse(String text) {
    if (!Files.isExecutable(Path.of(PYTHON))) {
      throw new AssertionError(
          PYTHON + " is missing: install python3 and python3-prometheus-client (.ci/run does)");
    }
    try {
      Process process = new ProcessBuilder(PYTHON, "-c", SCRIPT).redirectErrorStream(false).start();
      try (OutputStream in = process.getOutputStream()) {
        in.write(text.getBytes(StandardCharsets.UTF_8));
      }
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("the Prometheus parser did not finish in 30 s");
      }
      if (process.exitValue() != 0) {
        if (err.contains("No module named 'prometheus_client'")) {
          throw new AssertionError(
              "python3-prometheus-client is missing: apt-get install python3-prometheus-client"
                  + " (.ci/run does)");
        }
        throw new AssertionError("the Prometheus parser rejected the scrape: " + err + "\n" + text);
      }
      Map<String, String> types = new TreeMap<>();
      List<Sample> samples = new ArrayList<>();
      for (String line : out.split("\n")) {
        if (line.isEmpty()) {
          continue;
        }
        String[] parts = line.split("\t", -1);
        if (parts[0].equals("F")) {
          types.put(decode(parts[1]), parts[2]);
        } else {
          Map<String, String> labels = new TreeMap<>();
          if (!parts[2].isEmpty()) {
            for (String pair : parts[2].split(",")) {
              int eq = pair.indexOf('=');
              labels.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
          }
          samples.add(new Sample(decode(parts[1]), labels, Double.parseDouble(parts[3])));
        }
      }
      return new Exposition(types, samples);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static String decode(String s) {
    return URLDecoder.decode(Objects.requireNonNull(s), StandardCharsets.UTF_8);
  }
}
