package io.switchboard.testing;

import java.lang.management.ManagementFactory;
import java.util.Objects;

/**
 * Measures the heap a piece of work allocates on the calling thread, for tests that promise a path
 * allocates nothing. Uses HotSpot's per-thread allocation counter ({@code
 * com.sun.management.ThreadMXBean}).
 */
public final class Allocations {
  private Allocations() {}

  /**
   * Runs the work once to warm it up (class loading, lazily created state), then {@code rounds}
   * times, and returns the fewest bytes one round allocated on this thread: the least noisy figure,
   * since a round may include the JIT's or a logger's own allocations.
   *
   * @param rounds how many measured rounds, at least 1
   * @param work the work to measure, run on the calling thread
   * @return the fewest bytes allocated by one round
   * @throws IllegalArgumentException if {@code rounds} is below 1
   * @throws UnsupportedOperationException if the JVM does not measure thread allocation
   */
  public static long leastBytesAllocated(int rounds, Runnable work) {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds: " + rounds + " (expected: > 0)");
    }
    Objects.requireNonNull(work, "work");
    if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads)
        || !threads.isThreadAllocatedMemorySupported()) {
      throw new UnsupportedOperationException("this JVM does not measure thread allocation");
    }
    threads.setThreadAllocatedMemoryEnabled(true);
    work.run();
    long least = Long.MAX_VALUE;
    for (int i = 0; i < rounds; i++) {
      long before = threads.getCurrentThreadAllocatedBytes();
      work.run();
      least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
    }
    return least;
  }
}
