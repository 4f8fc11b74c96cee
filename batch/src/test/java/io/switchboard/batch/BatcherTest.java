package io.switchboard.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatcherTest {
  private final ScheduledExecutorService server = Executors.newScheduledThreadPool(2);
  private final ExecutorService producers = Executors.newFixedThreadPool(8);

  @AfterEach
  void tearDown() throws InterruptedException {
    server.shutdownNow();
    producers.shutdownNow();
    assertThat(server.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(producers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  /** Answers each element with element × 10, after a random short delay or at once. */
  private Function<List<Long>, CompletableFuture<BatchReply<Long>>> timesTen(
      List<Integer> batchSizes) {
    Random random = new Random();
    return elements -> {
      batchSizes.add(elements.size());
      CompletableFuture<BatchReply<Long>> f = new CompletableFuture<>();
      Runnable answer =
          () -> f.complete(BatchReply.of(elements.stream().map(e -> e * 10).toList()));
      int delay;
      synchronized (random) {
        delay = random.nextInt(300);
      }
      if (delay < 50) {
        answer.run();
      } else {
        server.schedule(answer, delay, TimeUnit.MICROSECONDS);
      }
      return f;
    };
  }

  @Test
  void manyProducersWithEqualThresholdsAndLimitsNeverDeadlock() throws Exception {
    for (int round = 0; round < 20; round++) {
      int limit = 1 + round % 10;
      List<Integer> sizes = new CopyOnWriteArrayList<>();
      BatcherSettings settings =
          BatcherSettings.newBuilder()
              .maxElements(limit)
              .maxOutstandingElements(limit)
              .maxBytes(100)
              .maxOutstandingBytes(100)
              .maxDelay(Duration.ofHours(1)) // only count, bytes and blocked adds flush
              .build();
      try (Batcher<Long, Long> batcher = Batcher.create(timesTen(sizes), e -> 30, settings)) {
        List<Future<List<CompletableFuture<Long>>>> producing = new ArrayList<>();
        for (int p = 0; p < 8; p++) {
          long base = p * 1_000_000L;
          producing.add(
              producers.submit(
                  () -> {
                    List<CompletableFuture<Long>> futures = new ArrayList<>();
                    for (long i = 0; i < 200; i++) {
                      futures.add(batcher.add(base + i));
                      assertThat(batcher.outstandingElements()).isLessThanOrEqualTo(limit);
                    }
                    return futures;
                  }));
        }
        List<List<CompletableFuture<Long>>> all = new ArrayList<>();
        for (Future<List<CompletableFuture<Long>>> p : producing) {
          all.add(p.get(30, TimeUnit.SECONDS)); // every add returned: no producer is stuck
        }
        batcher.flush(); // the last partial batch (the delay is an hour)
        for (int p = 0; p < 8; p++) {
          List<CompletableFuture<Long>> futures = all.get(p);
          for (int i = 0; i < futures.size(); i++) {
            assertThat(futures.get(i).get(30, TimeUnit.SECONDS))
                .isEqualTo((p * 1_000_000L + i) * 10);
          }
        }
        assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(1600);
        // 30-byte elements, 100-byte limit: never more than 3 in a batch.
        assertThat(sizes).allMatch(s -> s <= Math.min(limit, 3));
        assertThat(batcher.outstandingElements()).isZero();
      }
    }
  }

  @Test
  void flushesOnDelay() throws Exception {
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    try (Batcher<Long, Long> batcher =
        Batcher.create(
            timesTen(sizes),
            BatcherSettings.newBuilder().maxDelay(Duration.ofMillis(200)).build())) {
      CompletableFuture<Long> a = batcher.add(1L);
      CompletableFuture<Long> b = batcher.add(2L);
      assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo(10);
      assertThat(b.get(10, TimeUnit.SECONDS)).isEqualTo(20);
      assertThat(sizes).containsExactly(2);
    }
  }

  @Test
  void perElementFailuresAndBadRepliesReachTheirFutures() throws Exception {
    try (Batcher<Long, Long> batcher =
        Batcher.create(
            elements -> {
              if (elements.contains(99L)) {
                return CompletableFuture.completedFuture(BatchReply.of(List.of()));
              }
              BatchReply.Builder<Long> reply = BatchReply.newBuilder();
              elements.forEach(
                  e -> {
                    if (e % 2 == 0) {
                      reply.failure(Status.NOT_FOUND.withDescription("no " + e));
                    } else {
                      reply.success(e);
                    }
                  });
              return CompletableFuture.completedFuture(reply.build());
            },
            BatcherSettings.newBuilder().maxElements(2).maxOutstandingElements(2).build())) {
      CompletableFuture<Long> one = batcher.add(1L);
      CompletableFuture<Long> two = batcher.add(2L);
      assertThat(one.get(10, TimeUnit.SECONDS)).isEqualTo(1L);
      assertThatThrownBy(() -> two.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("NOT_FOUND: no 2");
      CompletableFuture<Long> bad = batcher.add(99L);
      batcher.flush();
      assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS))
          .hasMessageContaining("INTERNAL: the flush reply has 0 items (expected: 1");
    }
  }

  @Test
  void failPolicyFailsAtOnceWhenFull() throws Exception {
    CompletableFuture<BatchReply<Long>> never = new CompletableFuture<>();
    List<List<Long>> flushed = new CopyOnWriteArrayList<>();
    try (Batcher<Long, Long> batcher =
        Batcher.create(
            elements -> {
              flushed.add(List.copyOf(elements));
              return never;
            },
            BatcherSettings.newBuilder()
                .maxElements(5)
                .maxOutstandingElements(5)
                .maxDelay(Duration.ofHours(1))
                .whenFull(BatcherSettings.WhenFull.FAIL)
                .build())) {
      for (long i = 0; i < 5; i++) {
        batcher.add(i);
      }
      CompletableFuture<Long> rejected = batcher.add(5L);
      assertThat(rejected).isCompletedExceptionally();
      assertThatThrownBy(rejected::join).hasMessageContaining("RESOURCE_EXHAUSTED: batcher full");
      assertThat(flushed).containsExactly(List.of(0L, 1L, 2L, 3L, 4L));
    }
  }

  @Test
  void aBlockedAddFlushesThePartialBatchAndCloseReleasesWaiters() throws Exception {
    List<CompletableFuture<BatchReply<Long>>> calls = new CopyOnWriteArrayList<>();
    List<List<Long>> flushed = new CopyOnWriteArrayList<>();
    Batcher<Long, Long> batcher =
        Batcher.create(
            elements -> {
              flushed.add(List.copyOf(elements));
              CompletableFuture<BatchReply<Long>> f = new CompletableFuture<>();
              calls.add(f);
              return f;
            },
            BatcherSettings.newBuilder()
                .maxElements(5)
                .maxOutstandingElements(8)
                .maxDelay(Duration.ofHours(1))
                .build());
    for (long i = 0; i < 5; i++) {
      batcher.add(i); // a full batch: flushed, never answered
    }
    for (long i = 5; i < 8; i++) {
      batcher.add(i); // a partial batch: held, and the batcher is now full
    }
    assertThat(flushed).containsExactly(List.of(0L, 1L, 2L, 3L, 4L));
    AtomicReference<Thread> producer = new AtomicReference<>();
    Future<CompletableFuture<Long>> blocked =
        producers.submit(
            () -> {
              producer.set(Thread.currentThread());
              return batcher.add(8L);
            });
    // Wait until the add is parked waiting for room (not merely started), so close() meets a
    // waiter.
    Await.until(
        Duration.ofSeconds(10),
        "the add waiting for room",
        () -> producer.get() == null ? null : producer.get().getState(),
        state -> state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING);
    // The waiting add first flushed the partial batch, so what it waits for is on its way.
    assertThat(flushed).containsExactly(List.of(0L, 1L, 2L, 3L, 4L), List.of(5L, 6L, 7L));
    assertThat(blocked).isNotDone();
    batcher.close();
    CompletableFuture<Long> waiter = blocked.get(10, TimeUnit.SECONDS);
    assertThatThrownBy(waiter::join).hasMessageContaining("closed while this add waited");
    assertThatThrownBy(() -> batcher.add(11L)).isInstanceOf(IllegalStateException.class);
    assertThat(flushed).hasSize(2);
    assertThat(
            Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("switchboard-batcher-timer") && t.isAlive()))
        .isEmpty();
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> BatcherSettings.newBuilder().maxElements(1001))
        .hasMessage("maxElements: 1001 (expected: 1..1000)");
    assertThatThrownBy(
            () -> BatcherSettings.newBuilder().maxElements(10).maxOutstandingElements(5).build())
        .hasMessage("maxOutstandingElements: 5 (expected: >= maxElements 10)");
    try (Batcher<Long, Long> batcher =
        Batcher.create(
            e -> CompletableFuture.completedFuture(BatchReply.of(e)),
            e -> 1000,
            BatcherSettings.newBuilder().maxBytes(10).maxOutstandingBytes(100).build())) {
      assertThatThrownBy(() -> batcher.add(1L))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("element size: 1000 bytes (expected: 0..100");
    }
  }
}
