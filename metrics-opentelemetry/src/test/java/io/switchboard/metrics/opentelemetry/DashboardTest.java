package io.switchboard.metrics.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard in {@code docs/grafana} queries only what exists: every metric its PromQL
 * names is an instrument of the README's metrics tables (Switchboard's or grpc-java's) under its
 * Prometheus name, and every label it groups or filters by is one of their attributes.
 */
class DashboardTest {
  static final Path DASHBOARD = Path.of("..", "docs", "grafana", "switchboard-dashboard.json");
  static final Path README = Path.of("..", "README.md");

  /** Prometheus names: dots become underscores, then a unit suffix, then a type suffix. */
  static final Pattern SUFFIXES =
      Pattern.compile("(_seconds|_bytes)?(_total|_bucket|_sum|_count)?");

  static final Pattern METRIC = Pattern.compile("\\b(?:switchboard|grpc)_[a-z0-9_]+\\b");
  static final Pattern SELECTOR = Pattern.compile("\\{([^}]*)\\}");
  static final Pattern GROUPING = Pattern.compile("\\bby \\(([^)]*)\\)");
  static final Pattern LABEL_VALUES =
      Pattern.compile("label_values\\(([a-z0-9_]+), *([a-z0-9_]+)\\)");
  static final Pattern CODE = Pattern.compile("`([^`]+)`");

  record Documented(Set<String> instruments, Set<String> attributes) {}

  /** The instruments and attribute keys of the README's metrics tables. */
  static Documented readme() throws IOException {
    Set<String> instruments = new LinkedHashSet<>();
    Set<String> attributes = new LinkedHashSet<>();
    for (String line : Files.readAllLines(README)) {
      if (!line.startsWith("| `switchboard.") && !line.startsWith("| `grpc.")) {
        continue;
      }
      String[] cells = line.split("\\|");
      Matcher names = CODE.matcher(cells[1]);
      while (names.find()) {
        if (!names.group(1).startsWith("…")) {
          instruments.add(names.group(1));
        }
      }
      for (int i = 2; i < cells.length; i++) {
        Matcher keys = CODE.matcher(cells[i]);
        while (keys.find()) {
          attributes.add(keys.group(1).replace('.', '_'));
        }
      }
    }
    return new Documented(instruments, attributes);
  }

  /** Every PromQL string of the dashboard: panel targets and template variable queries. */
  static List<String> queries(JsonNode dashboard) {
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(target.path("expr").asText());
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (variable.path("type").asText().equals("query")) {
        queries.add(variable.path("query").asText());
      }
    }
    return queries;
  }

  @Test
  void everyMetricAndLabelTheDashboardQueriesIsDocumented() throws IOException {
    Documented documented = readme();
    assertThat(documented.instruments())
        .as("instruments read from the README")
        .contains(
            "switchboard.pool.channels", "switchboard.batch.items", "grpc.server.call.duration");
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    List<String> queries = queries(dashboard);
    assertThat(queries).hasSizeGreaterThan(20).doesNotContain("");

    Set<String> metrics = new LinkedHashSet<>();
    Set<String> labels = new LinkedHashSet<>();
    for (String query : queries) {
      String rest = query;
      Matcher lv = LABEL_VALUES.matcher(rest);
      while (lv.find()) {
        labels.add(lv.group(2));
      }
      rest = LABEL_VALUES.matcher(rest).replaceAll("$1");
      Matcher selector = SELECTOR.matcher(rest);
      while (selector.find()) {
        for (String matcher : selector.group(1).split(",")) {
          labels.add(matcher.split("[=!~]")[0].trim());
        }
      }
      Matcher grouping = GROUPING.matcher(rest);
      while (grouping.find()) {
        for (String label : grouping.group(1).split(",")) {
          labels.add(label.trim());
        }
      }
      rest = GROUPING.matcher(SELECTOR.matcher(rest).replaceAll("")).replaceAll("");
      Matcher metric = METRIC.matcher(rest);
      while (metric.find()) {
        metrics.add(metric.group());
      }
    }
    assertThat(metrics).as("metrics the dashboard queries").hasSizeGreaterThan(20);
    for (String metric : metrics) {
      assertThat(documented.instruments())
          .as("%s is the Prometheus name of an instrument in the README's tables", metric)
          .anyMatch(
              name -> {
                String base = name.replace('.', '_');
                return metric.startsWith(base)
                    && SUFFIXES.matcher(metric.substring(base.length())).matches();
              });
    }
    labels.remove("le"); // histogram buckets
    assertThat(documented.attributes())
        .as("labels the dashboard groups or filters by")
        .containsAll(labels);
  }
}
