package io.switchboard.benchmarks.msgpack;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@link JsonTranscodingBenchmark}'s comparisons in thread CPU time, with ours and the baseline
 * interleaved in short alternating blocks: a figure a loaded, shared machine cannot skew the way it
 * skews JMH's wall-clock time (a thread waiting for a core accrues no CPU time, and both sides run
 * under the same load within a fraction of a second of each other). Prints, per message and pair,
 * the median of the per-round ratios and their interquartile range (below 1: the transcoder takes
 * less CPU time). JMH's {@code JsonTranscodingBenchmark} remains the measure on a quiet machine.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.switchboard.benchmarks.msgpack.JsonTranscodingCpuCheck
 * </pre>
 */
public final class JsonTranscodingCpuCheck {
  private static final int ROUNDS = 41;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static long sink; // what the operations return, so the JIT cannot drop them

  private JsonTranscodingCpuCheck() {}

  /** One measured operation. */
  @FunctionalInterface
  interface Op {
    Object run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    if (!THREADS.isCurrentThreadCpuTimeSupported()) {
      throw new IllegalStateException("this JVM cannot measure a thread's CPU time");
    }
    System.out.printf(
        Locale.ROOT,
        "CPU time ratio, transcoder / Jackson databind: median of %d interleaved rounds [p25, p75]%n",
        ROUNDS);
    for (String message : new String[] {"small", "nested"}) {
      JsonTranscodingBenchmark b = new JsonTranscodingBenchmark();
      b.message = message;
      b.setUp();
      int perBlock = message.equals("small") ? 20_000 : 2_000;
      compare(
          message,
          "JSON -> MessagePack vs Jackson read ",
          b::toMessagePack,
          b::jacksonRead,
          perBlock);
      compare(
          message, "MessagePack -> JSON vs Jackson write", b::toJson, b::jacksonWrite, perBlock);
      compare(message, "round trip vs Jackson round trip    ", b::ours, b::baseline, perBlock);
    }
    System.out.println(sink == 42 ? "" : ""); // keeps sink alive
  }

  private static void compare(String message, String what, Op ours, Op baseline, int perBlock)
      throws Exception {
    for (int i = 0; i < 10; i++) { // warm-up: both compiled before the first measured round
      block(ours, perBlock);
      block(baseline, perBlock);
    }
    double[] ratios = new double[ROUNDS];
    double oursTotal = 0;
    double baselineTotal = 0;
    for (int r = 0; r < ROUNDS; r++) {
      double o;
      double base;
      if (r % 2 == 0) { // alternate which goes first
        o = block(ours, perBlock);
        base = block(baseline, perBlock);
      } else {
        base = block(baseline, perBlock);
        o = block(ours, perBlock);
      }
      ratios[r] = o / base;
      oursTotal += o;
      baselineTotal += base;
    }
    Arrays.sort(ratios);
    System.out.printf(
        Locale.ROOT,
        "  %-7s %s  %8.1f vs %8.1f ns/op  ratio = %.3f [%.3f, %.3f]%n",
        message,
        what,
        oursTotal / ROUNDS,
        baselineTotal / ROUNDS,
        ratios[ROUNDS / 2],
        ratios[ROUNDS / 4],
        ratios[3 * ROUNDS / 4]);
  }

  /** Runs the operation n times; returns its CPU time per operation, in ns. */
  private static double block(Op op, int n) throws Exception {
    long start = THREADS.getCurrentThreadCpuTime();
    long h = 0;
    for (int i = 0; i < n; i++) {
      Object result = op.run();
      h += result instanceof byte[] bytes ? bytes.length : result.hashCode();
    }
    long cpu = THREADS.getCurrentThreadCpuTime() - start;
    sink += h;
    return (double) cpu / n;
  }
}
