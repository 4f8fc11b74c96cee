package io.switchboard.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.switchboard.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Many randomized runs (sizes, call shapes, failures, retries, fail-fast, deadlines, call timeouts,
 * cancellation, executors), each checking that every input is reported exactly once, in order, that
 * calls in flight never exceed the limit, and that no call is left running.
 */
class BatchExecutorStressTest {
  private static final int RUNS = 300;
  private static final Status.Code[] CODES = {
    Status.Code.UNAVAILABLE,
    Status.Code.NOT_FOUND,
    Status.Code.RESOURCE_EXHAUSTED,
    Status.Code.INTERNAL,
    Status.Code.DEADLINE_EXCEEDED
  };

  private static ScheduledExecutorService server;
  private static ExecutorService workers;

  @BeforeAll
  static void start() {
    server = Executors.newScheduledThreadPool(2);
    workers = Executors.newFixedThreadPool(2);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.shutdownNow();
    workers.shutdownNow();
    assertThat(server.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(workers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  /** A call's future that counts itself out of flight before anyone sees it complete. */
  static final class TrackedCall<T> extends CompletableFuture<T> {
    private final AtomicInteger inFlight;
    private final AtomicBoolean out = new AtomicBoolean();

    TrackedCall(AtomicInteger inFlight) {
      this.inFlight = inFlight;
    }

    private void leave() {
      if (out.compareAndSet(false, true)) {
        inFlight.decrementAndGet();
      }
    }

    @Override
    public boolean complete(T value) {
      leave();
      return super.complete(value);
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
      leave();
      return super.completeExceptionally(ex);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      leave();
      return super.cancel(mayInterruptIfRunning);
    }
  }

  @Test
  void everyInputIsAccountedForExactlyOnce() throws Exception {
    long seed0 = new Random().nextLong();
    for (int run = 0; run < RUNS; run++) {
      long seed = seed0 + run;
      try {
        oneRun(new Random(seed));
      } catch (AssertionError | Exception e) {
        throw new AssertionError("run " + run + " with seed " + seed + " failed", e);
      }
    }
  }

  private void oneRun(Random rnd) throws Exception {
    int n = rnd.nextInt(10) == 0 ? 0 : rnd.nextInt(400);
    boolean perItem = rnd.nextBoolean();
    int maxLimit = 1 + rnd.nextInt(16);
    Concurrency concurrency =
        rnd.nextBoolean()
            ? Concurrency.fixed(maxLimit)
            : Concurrency.adaptive(1, 1 + rnd.nextInt(maxLimit), maxLimit);
    double failRate = rnd.nextDouble() * 0.3;
    double batchFailRate = rnd.nextDouble() * 0.1;
    double neverRate = rnd.nextInt(4) == 0 ? 0.02 : 0;
    boolean failFast = rnd.nextInt(5) == 0;
    boolean cancel = rnd.nextInt(5) == 0;
    boolean iterator = cancel || rnd.nextBoolean();
    BatchSettings.Builder settings =
        BatchSettings.newBuilder()
            .batchSize(1 + rnd.nextInt(50))
            .concurrency(concurrency)
            .callTimeout(Duration.ofMillis(20 + rnd.nextInt(30)))
            .failFast(failFast)
            .deduplicate(!iterator && rnd.nextInt(4) == 0)
            .retry(
                rnd.nextBoolean()
                    ? RetrySettings.none()
                    : RetrySettings.newBuilder()
                        .maxAttempts(2 + rnd.nextInt(3))
                        .initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(5))
                        .retryableCodes(
                            EnumSet.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED))
                        .build());
    if (rnd.nextInt(4) == 0) {
      settings.deadline(Duration.ofMillis(20 + rnd.nextInt(60)));
    }
    if (rnd.nextBoolean()) {
      settings.executor(workers);
    }

    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    ConcurrentLinkedQueue<CompletableFuture<?>> calls = new ConcurrentLinkedQueue<>();
    long callSeed = rnd.nextLong();
    ThreadLocalRandomSource random = new ThreadLocalRandomSource(callSeed);

    java.util.function.Function<Long, CompletableFuture<Long>> itemCall =
        id -> {
          maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
          TrackedCall<Long> call = new TrackedCall<>(inFlight);
          calls.add(call);
          Random r = random.next();
          if (r.nextDouble() < neverRate) {
            return call; // completed only by the call timeout, the deadline or a stop
          }
          Runnable answer =
              () -> {
                if (r.nextDouble() < failRate) {
                  call.completeExceptionally(
                      Status.fromCode(CODES[r.nextInt(CODES.length)]).asRuntimeException());
                } else {
                  call.complete(id * 2);
                }
              };
          schedule(r, answer);
          return call;
        };
    java.util.function.Function<List<Long>, CompletableFuture<BatchReply<Long>>> batchCall =
        batch -> {
          maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
          TrackedCall<BatchReply<Long>> call = new TrackedCall<>(inFlight);
          calls.add(call);
          Random r = random.next();
          if (r.nextDouble() < neverRate) {
            return call;
          }
          Runnable answer =
              () -> {
                if (r.nextDouble() < batchFailRate) {
                  call.completeExceptionally(
                      Status.fromCode(CODES[r.nextInt(CODES.length)]).asRuntimeException());
                  return;
                }
                BatchReply.Builder<Long> reply = BatchReply.newBuilder();
                for (long id : batch) {
                  if (r.nextDouble() < failRate) {
                    reply.failure(Status.fromCode(CODES[r.nextInt(CODES.length)]));
                  } else {
                    reply.success(id * 2);
                  }
                }
                call.complete(reply.build());
              };
          schedule(r, answer);
          return call;
        };

    List<Long> inputs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      // Some equal inputs, for the de-duplicating runs.
      inputs.add(rnd.nextInt(8) == 0 ? (long) rnd.nextInt(Math.max(1, n)) : 1_000_000L + i);
    }

    try (BatchExecutor<Long, Long> executor =
        perItem
            ? BatchExecutor.perItem(itemCall, settings.build())
            : BatchExecutor.perBatch(batchCall, settings.build())) {
      if (!iterator) {
        BatchResult<Long, Long> result = executor.execute(inputs).get(30, TimeUnit.SECONDS);
        assertThat(result.total()).isEqualTo(n);
        for (int i = 0; i < n; i++) {
          ItemResult<Long, Long> item = result.item(i);
          assertThat(item.index()).isEqualTo(i);
          assertThat(item.input()).isEqualTo(inputs.get(i));
          checkItem(item);
        }
        assertThat(result.succeededCount() + result.failedCount() + result.notAttemptedCount())
            .isEqualTo(n);
        if (failFast && result.failedCount() > 0) {
          assertThat(
                  result.failures().stream()
                      .filter(f -> f.status().getCode() != Status.Code.CANCELLED))
              .isNotEmpty();
        }
      } else {
        AtomicIntegerArray seen = new AtomicIntegerArray(n);
        AtomicInteger reported = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        // An assertion thrown in the listener would be swallowed by the run (listener failures are
        // logged and ignored): collect them and fail after the run instead.
        Queue<Throwable> listenerFailures = new ConcurrentLinkedQueue<>();
        CompletableFuture<BatchSummary> future =
            executor.execute(
                inputs.iterator(),
                item -> {
                  int i = (int) item.index();
                  if (seen.incrementAndGet(i) != 1 || !item.input().equals(inputs.get(i))) {
                    wrong.incrementAndGet();
                  }
                  try {
                    checkItem(item);
                  } catch (Throwable t) {
                    listenerFailures.add(t);
                  }
                  reported.incrementAndGet();
                });
        if (cancel) {
          int delay = rnd.nextInt(5000);
          server.schedule(() -> future.cancel(false), delay, TimeUnit.MICROSECONDS);
          awaitTrue(() -> reported.get() == n, "all " + n + " items reported");
        } else {
          BatchSummary summary = future.get(30, TimeUnit.SECONDS);
          assertThat(summary.total()).isEqualTo(n);
        }
        assertThat(listenerFailures).isEmpty();
        assertThat(reported).hasValue(n);
        assertThat(wrong).hasValue(0);
        for (int i = 0; i < n; i++) {
          assertThat(seen.get(i)).as("reports of item %d", i).isEqualTo(1);
        }
      }
      assertThat(maxInFlight.get()).isLessThanOrEqualTo(maxLimit);
      awaitTrue(() -> calls.stream().allMatch(CompletableFuture::isDone), "no call left running");
    }
  }

  private static void checkItem(ItemResult<Long, Long> item) {
    switch (item.outcome()) {
      case SUCCEEDED -> {
        assertThat(item.output()).isEqualTo(item.input() * 2);
        assertThat(item.attempts()).isPositive();
        assertThat(item.batchIndex()).isNotNegative();
      }
      case FAILED -> {
        assertThat(item.status().isOk()).isFalse();
        assertThat(item.attempts()).isPositive();
      }
      case NOT_ATTEMPTED -> {
        assertThat(item.attempts()).isZero();
        assertThat(item.status().getCode())
            .isIn(Status.Code.CANCELLED, Status.Code.DEADLINE_EXCEEDED);
      }
    }
  }

  private static void schedule(Random r, Runnable answer) {
    int how = r.nextInt(3);
    if (how == 0) {
      answer.run();
    } else {
      server.schedule(answer, r.nextInt(500), TimeUnit.MICROSECONDS);
    }
  }

  private static void awaitTrue(BooleanSupplier condition, String what) {
    Await.until(Duration.ofSeconds(30), condition, () -> what);
  }

  /** Hands out Randoms derived from one seed, thread-safely. */
  static final class ThreadLocalRandomSource {
    private final Random seeds;

    ThreadLocalRandomSource(long seed) {
      this.seeds = new Random(seed);
    }

    synchronized Random next() {
      return new Random(seeds.nextLong());
    }
  }
}
