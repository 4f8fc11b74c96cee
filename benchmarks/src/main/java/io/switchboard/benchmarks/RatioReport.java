package io.switchboard.benchmarks;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Prints "ours / baseline" ratios from one JMH run: for each combination of parameters, the score
 * of the benchmark method named {@code ours} divided by that of {@code baseline}. For throughput
 * modes a ratio above 1 means ours is faster; for time modes, below 1.
 */
public final class RatioReport {
  private RatioReport() {}

  /**
   * Runs every benchmark of {@code benchmarkClass} with JMH's command-line options from {@code
   * args} (e.g. {@code -wi 2 -i 3 -p transport=netty}), then prints the ratios.
   */
  public static Collection<RunResult> run(
      Class<?> benchmarkClass, String[] args, String oursMethod, String baselineMethod)
      throws RunnerException, CommandLineOptionException {
    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder()
                    .parent(new CommandLineOptions(args))
                    .include(benchmarkClass.getName() + "\\.")
                    .build())
            .run();
    print(results, oursMethod, baselineMethod);
    return results;
  }

  /** Prints the ratio of {@code oursMethod} to {@code baselineMethod} per parameter set. */
  public static void print(
      Collection<RunResult> results, String oursMethod, String baselineMethod) {
    Map<String, Double> ours = new TreeMap<>();
    Map<String, Double> baseline = new TreeMap<>();
    Map<String, String> units = new TreeMap<>();
    for (RunResult result : results) {
      String label = result.getParams().getBenchmark();
      String method = label.substring(label.lastIndexOf('.') + 1);
      StringBuilder key = new StringBuilder();
      for (String param : result.getParams().getParamsKeys()) {
        key.append(param).append('=').append(result.getParams().getParam(param)).append(' ');
      }
      String k = key.toString().trim();
      double score = result.getPrimaryResult().getScore();
      units.put(k, result.getPrimaryResult().getScoreUnit());
      if (method.equals(oursMethod)) {
        ours.put(k, score);
      } else if (method.equals(baselineMethod)) {
        baseline.put(k, score);
      }
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "ratio %s / %s:%n", oursMethod, baselineMethod);
    for (Map.Entry<String, Double> e : ours.entrySet()) {
      Double base = baseline.get(e.getKey());
      if (base == null || base == 0) {
        continue;
      }
      System.out.printf(
          Locale.ROOT,
          "  %-40s %12.1f vs %12.1f %s  ratio = %.3f%n",
          e.getKey().isEmpty() ? "(no params)" : e.getKey(),
          e.getValue(),
          base,
          units.get(e.getKey()),
          e.getValue() / base);
    }
  }
}
