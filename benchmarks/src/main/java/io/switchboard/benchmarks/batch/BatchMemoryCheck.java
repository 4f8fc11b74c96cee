package io.switchboard.benchmarks.batch;

import io.switchboard.batch.BatchExecutor;
import io.switchboard.batch.BatchResult;
import io.switchboard.batch.BatchSettings;
import io.switchboard.batch.BatchSummary;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Memory held by a run over 1,000,000 inputs from an iterator with a per-item listener (only counts
 * kept), against a run over the same inputs as a collection (every result kept). A sampler thread
 * measures the heap after a full GC every 100 ms during each run; the figure is the largest sample
 * minus the heap before the run. Calls complete asynchronously on a 2-thread pool (no network: the
 * figure is the executor's own retention), 64 in flight.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.switchboard.benchmarks.batch.BatchMemoryCheck
 * </pre>
 */
public final class BatchMemoryCheck {
  static final int INPUTS = 1_000_000;

  private BatchMemoryCheck() {}

  public static void main(String[] args) throws Exception {
    ExecutorService server = Executors.newFixedThreadPool(2);
    try (BatchExecutor<Long, Long> executor =
        BatchExecutor.perItem(
            id -> CompletableFuture.supplyAsync(() -> id * 2, server),
            BatchSettings.newBuilder().maxInFlight(64).build())) {
      // Warm up the code paths so the JIT's own allocation is not measured.
      executor.execute(numbers(100_000), r -> {}).join();

      AtomicLong seen = new AtomicLong();
      long[] iteratorHeld =
          measure(() -> executor.execute(numbers(INPUTS), r -> seen.incrementAndGet()).join());
      List<Long> all = new ArrayList<>(INPUTS);
      numbers(INPUTS).forEachRemaining(all::add);
      long[] collectionHeld = measure(() -> executor.execute(all).join());
      System.out.printf(
          Locale.ROOT,
          "memory held, %,d inputs, 64 in flight (max heap after GC during the run, minus before):%n"
              + "  iterator + per-item listener (counts only): %8.1f MB  (%d samples, %,d items"
              + " reported)%n"
              + "  collection, full BatchResult kept:          %8.1f MB  (%d samples; input list"
              + " allocated before)%n"
              + "ratio iterator/collection memory = %.3f%n",
          INPUTS,
          iteratorHeld[0] / 1e6,
          iteratorHeld[1],
          seen.get(),
          collectionHeld[0] / 1e6,
          collectionHeld[1],
          (double) iteratorHeld[0] / collectionHeld[0]);
    } finally {
      server.shutdownNow();
    }
  }

  static Iterator<Long> numbers(int n) {
    return new Iterator<>() {
      private long next = 1;

      @Override
      public boolean hasNext() {
        return next <= n;
      }

      @Override
      public Long next() {
        return next++;
      }
    };
  }

  /** Returns {max held bytes, samples} while {@code run} runs. */
  static long[] measure(Supplier<?> run) throws InterruptedException {
    long before = heapAfterGc();
    AtomicLong max = new AtomicLong();
    AtomicLong samples = new AtomicLong();
    Thread sampler =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                max.accumulateAndGet(heapAfterGc(), Math::max);
                samples.incrementAndGet();
                try {
                  Thread.sleep(100); // a sampling period, not a wait for a condition
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
    Object result = run.get();
    max.accumulateAndGet(heapAfterGc(), Math::max); // the result is still reachable here
    samples.incrementAndGet();
    sampler.interrupt();
    sampler.join();
    if (result instanceof BatchResult<?, ?> r && r.total() != INPUTS
        || result instanceof BatchSummary s && s.total() != INPUTS) {
      throw new IllegalStateException("unexpected result " + result);
    }
    return new long[] {Math.max(0, max.get() - before), samples.get()};
  }

  static long heapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    System.gc();
    return rt.totalMemory() - rt.freeMemory();
  }
}
