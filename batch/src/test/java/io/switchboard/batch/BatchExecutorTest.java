package io.switchboard.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatchExecutorTest {
  private final ScheduledExecutorService server = Executors.newScheduledThreadPool(2);
  private final List<BatchExecutor<?, ?>> executors = new ArrayList<>();

  @AfterEach
  void tearDown() throws InterruptedException {
    executors.forEach(BatchExecutor::close);
    server.shutdownNow();
    assertThat(server.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  private <I, O> BatchExecutor<I, O> track(BatchExecutor<I, O> executor) {
    executors.add(executor);
    return executor;
  }

  private <T> CompletableFuture<T> later(long micros, java.util.function.Supplier<T> value) {
    CompletableFuture<T> f = new CompletableFuture<>();
    server.schedule(
        () -> {
          try {
            f.complete(value.get());
          } catch (RuntimeException e) {
            f.completeExceptionally(e);
          }
        },
        micros,
        TimeUnit.MICROSECONDS);
    return f;
  }

  /** A call that never completes by itself, kept in {@code calls}. */
  private static CompletableFuture<Long> parked(List<CompletableFuture<Long>> calls) {
    CompletableFuture<Long> never = new CompletableFuture<>();
    calls.add(never);
    return never;
  }

  private static BatchExecutor<Long, Long> countingEcho(AtomicInteger calls) {
    return BatchExecutor.perItem(
        id -> {
          calls.incrementAndGet();
          return CompletableFuture.completedFuture(id);
        },
        BatchSettings.defaults());
  }

  private static List<Long> ids(int n) {
    return LongStream.rangeClosed(1, n).boxed().collect(Collectors.toList());
  }

  @Test
  void emptyInputGivesEmptyResultWithoutCalls() {
    AtomicInteger calls = new AtomicInteger();
    BatchExecutor<Long, Long> ex = track(countingEcho(calls));
    BatchResult<Long, Long> result = ex.execute(List.of()).join();
    assertThat(result.items()).isEmpty();
    assertThat(result.allSucceeded()).isTrue();
    assertThat(calls).hasValue(0);
    assertThat(result.throwIfAnyFailed()).isSameAs(result);
  }

  @Test
  void nullInputIsRejectedBeforeAnyCall() {
    AtomicInteger calls = new AtomicInteger();
    BatchExecutor<Long, Long> ex = track(countingEcho(calls));
    List<Long> inputs = new ArrayList<>(List.of(1L, 2L));
    inputs.add(null);
    assertThatThrownBy(() -> ex.execute(inputs))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("inputs[2] is null");
    assertThat(calls).hasValue(0);
  }

  @Test
  void perItemPreservesInputOrderWhateverTheCompletionOrder() {
    BatchExecutor<Long, String> ex =
        track(
            BatchExecutor.perItem(
                id -> later((1000 - id) * 3, () -> "user" + id),
                BatchSettings.newBuilder().maxInFlight(64).build()));
    BatchResult<Long, String> result = ex.execute(ids(1000)).join();
    assertThat(result.total()).isEqualTo(1000);
    for (int i = 0; i < 1000; i++) {
      ItemResult<Long, String> item = result.item(i);
      assertThat(item.index()).isEqualTo(i);
      assertThat(item.input()).isEqualTo(i + 1L);
      assertThat(item.output()).isEqualTo("user" + (i + 1));
      assertThat(item.attempts()).isEqualTo(1);
    }
    assertThat(result.outputs()).hasSize(1000);
    assertThat(result.elapsed()).isPositive();
  }

  @Test
  void perItemNeverExceedsTheInFlightBound() {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxSeen = new AtomicInteger();
    BatchExecutor<Long, Long> ex =
        track(
            BatchExecutor.perItem(
                id -> {
                  maxSeen.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                  return later(200, () -> id).whenComplete((v, e) -> inFlight.decrementAndGet());
                },
                BatchSettings.newBuilder().maxInFlight(7).build()));
    assertThat(ex.execute(ids(500)).join().allSucceeded()).isTrue();
    assertThat(maxSeen.get()).isBetween(1, 7);
  }

  @Test
  void perBatchCutsBatchesAndReportsPerItemFailures() {
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    BatchExecutor<Long, String> ex =
        track(
            BatchExecutor.perBatch(
                batch -> {
                  sizes.add(batch.size());
                  return later(
                      100,
                      () -> {
                        BatchReply.Builder<String> reply = BatchReply.newBuilder();
                        for (long id : batch) {
                          if (id % 10 == 0) {
                            reply.failure(Status.NOT_FOUND.withDescription("no user " + id));
                          } else {
                            reply.success("user" + id);
                          }
                        }
                        return reply.build();
                      });
                },
                BatchSettings.newBuilder().batchSize(30).maxInFlight(3).build()));
    BatchResult<Long, String> result = ex.execute(ids(100)).join();
    assertThat(sizes).hasSize(4);
    assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
    assertThat(result.succeededCount()).isEqualTo(90);
    assertThat(result.failedCount()).isEqualTo(10);
    assertThat(result.failuresByCode()).isEqualTo(Map.of(Status.Code.NOT_FOUND, 10L));
    ItemResult<Long, String> f = result.item(49);
    assertThat(f.outcome()).isEqualTo(ItemResult.Outcome.FAILED);
    assertThat(f.status().getDescription()).isEqualTo("no user 50");
    assertThat(f.batchIndex()).isEqualTo(1);
    assertThat(f.attempts()).isEqualTo(1);
    assertThatThrownBy(result::throwIfAnyFailed)
        .isInstanceOf(BatchFailedException.class)
        .hasMessageContaining("10 of 100 items did not succeed")
        .hasMessageContaining("first: #9 10 FAILED NOT_FOUND: no user 10")
        .satisfies(e -> assertThat(((BatchFailedException) e).result()).containsSame(result));
  }

  @Test
  void retriesOnlyRetryableCodesWithBackoffAndACap() {
    Map<Long, AtomicInteger> tries = new ConcurrentHashMap<>();
    BatchExecutor<Long, Long> ex =
        track(
            BatchExecutor.perItem(
                id -> {
                  int n = tries.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                  if (id == 1 && n < 3) {
                    return CompletableFuture.failedFuture(
                        Status.UNAVAILABLE.withDescription("blip").asRuntimeException());
                  }
                  if (id == 2) {
                    return CompletableFuture.failedFuture(
                        Status.UNAVAILABLE.withDescription("down").asRuntimeException());
                  }
                  if (id == 3) {
                    return CompletableFuture.failedFuture(
                        Status.NOT_FOUND.withDescription("no 3").asRuntimeException());
                  }
                  return CompletableFuture.completedFuture(id);
                },
                BatchSettings.newBuilder()
                    .retry(
                        RetrySettings.newBuilder()
                            .maxAttempts(4)
                            .initialBackoff(Duration.ofMillis(1))
                            .maxBackoff(Duration.ofMillis(4))
                            .build())
                    .build()));
    BatchResult<Long, Long> result = ex.execute(ids(4)).join();
    assertThat(result.item(0).isSuccess()).isTrue();
    assertThat(result.item(0).attempts()).isEqualTo(3);
    assertThat(result.item(1).status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(result.item(1).attempts()).isEqualTo(4);
    assertThat(result.item(2).status().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(result.item(2).attempts()).isEqualTo(1);
    assertThat(result.item(3).attempts()).isEqualTo(1);
  }

  @Test
  void perBatchRetriesOnlyTheFailedItemsOfABatch() {
    List<List<Long>> sent = new CopyOnWriteArrayList<>();
    BatchExecutor<Long, Long> ex =
        track(
            BatchExecutor.perBatch(
                batch -> {
                  sent.add(List.copyOf(batch));
                  BatchReply.Builder<Long> reply = BatchReply.newBuilder();
                  for (long id : batch) {
                    if (id % 2 == 0 && sent.size() == 1) {
                      reply.failure(Status.UNAVAILABLE.withDescription("try again"));
                    } else {
                      reply.success(id * 10);
                    }
                  }
                  return CompletableFuture.completedFuture(reply.build());
                },
                BatchSettings.newBuilder()
                    .batchSize(10)
                    .retry(RetrySettings.newBuilder().initialBackoff(Duration.ofMillis(1)).build())
                    .build()));
    BatchResult<Long, Long> result = ex.execute(ids(6)).join();
    assertThat(sent).containsExactly(List.of(1L, 2L, 3L, 4L, 5L, 6L), List.of(2L, 4L, 6L));
    assertThat(result.outputs()).containsExactly(10L, 20L, 30L, 40L, 50L, 60L);
    assertThat(result.item(1).attempts()).isEqualTo(2);
    assertThat(result.item(1).batchIndex()).isEqualTo(0);
  }

  @Test
  void aReplyOfTheWrongSizeFailsTheBatchWithInternal() {
    BatchExecutor<Long, Long> ex =
        track(
            BatchExecutor.perBatch(
                batch -> CompletableFuture.completedFuture(BatchReply.of(List.of(1L))),
                BatchSettings.defaults()));
    BatchResult<Long, Long> result = ex.execute(ids(3)).join();
    assertThat(result.failedCount()).isEqualTo(3);
    assertThat(result.item(0).status().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(result.item(0).status().getDescription())
        .contains("has 1 items (expected: 3, one per item sent)");
  }

  @Test
  void aThrowingOrNullReturningCallFunctionFailsItsItems() {
    BatchExecutor<Long, Long> ex =
        track(
            BatchExecutor.perItem(
                id -> {
                  if (id == 1) {
                    throw new IllegalStateException("boom");
                  }
                  return id == 2 ? null : CompletableFuture.completedFuture(id);
                },
                BatchSettings.defaults()));
    BatchResult<Long, Long> result = ex.execute(ids(3)).join();
    assertThat(result.item(0).status().getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(result.item(0).status().getDescription()).contains("IllegalStateException: boom");
    assertThat(result.item(1).status().getDescription()).contains("returned null");
    assertThat(result.item(2).isSuccess()).isTrue();
  }

  @Test
  void failFastCancelsWhatIsInFlightAndReportsTheRestAsNotAttempted() {
    List<CompletableFuture<Long>> calls = new CopyOnWriteArrayList<>();
    BatchExecutor<Long, Long> ex =
        track(
            BatchExecutor.perItem(
                id -> {
                  if (id == 5) {
                    return CompletableFuture.failedFuture(
                        Status.PERMISSION_DENIED.withDescription("no").asRuntimeException());
                  }
                  return parked(calls);
                },
                BatchSettings.newBuilder().maxInFlight(10).failFast(true).build()));
    BatchResult<Long, Long> result = ex.execute(ids(100)).join();
    assertThat(calls).hasSize(4).allMatch(CompletableFuture::isCancelled);
    assertThat(result.item(4).status().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    ItemResult<Long, Long> inFlight = result.item(0);
    assertThat(inFlight.outcome()).isEqualTo(ItemResult.Outcome.FAILED);
    assertThat(inFlight.status().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(inFlight.status().getDescription())
        .contains("in flight")
        .contains("item 4 failed with PERMISSION_DENIED");
    assertThat(result.notAttemptedCount()).isEqualTo(95);
    assertThat(result.item(99).outcome()).isEqualTo(ItemResult.Outcome.NOT_ATTEMPTED);
    assertThat(result.item(99).attempts()).isZero();
    assertThat(result.item(99).batchIndex()).isEqualTo(-1);
  }

  @Test
  void theConverterOverloadsCancelAndTimeOutTheCallsOwnFuture() {
    // Per batch: fail-fast cancels the raw futures (not a derived one), the converter runs here.
    List<CompletableFuture<String>> raw = new CopyOnWriteArrayList<>();
    BatchExecutor<Long, Long> perBatch =
        track(
            BatchExecutor.perBatch(
                (List<Long> batch) -> {
                  if (batch.contains(9L)) {
                    return CompletableFuture.completedFuture("deny");
                  }
                  CompletableFuture<String> f = new CompletableFuture<>();
                  raw.add(f);
                  return f;
                },
                (String response) -> {
                  if (response.equals("deny")) {
                    BatchReply.Builder<Long> b = BatchReply.newBuilder();
                    for (int i = 0; i < 2; i++) {
                      b.failure(Status.PERMISSION_DENIED.withDescription("no"));
                    }
                    return b.build();
                  }
                  throw new AssertionError("never answered");
                },
                BatchSettings.newBuilder().batchSize(2).maxInFlight(8).failFast(true).build()));
    BatchResult<Long, Long> stopped =
        perBatch.execute(ids(40)).orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(stopped.item(8).status().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(raw).hasSize(4).allMatch(CompletableFuture::isCancelled);
    assertThat(stopped.item(0).status().getCode()).isEqualTo(Status.Code.CANCELLED);

    // Per item: the converter's output is the item's; a converter that throws fails the item; the
    // call timeout completes the raw future itself.
    CompletableFuture<String> stuck = new CompletableFuture<>();
    BatchExecutor<Long, Long> perItem =
        track(
            BatchExecutor.perItem(
                id -> id == 3 ? stuck : CompletableFuture.completedFuture("v" + id),
                (String response) -> {
                  if (response.equals("v2")) {
                    throw Status.NOT_FOUND.withDescription("no 2").asRuntimeException();
                  }
                  return Long.parseLong(response.substring(1)) * 10;
                },
                BatchSettings.newBuilder()
                    .callTimeout(Duration.ofMillis(20))
                    .retry(RetrySettings.none())
                    .build()));
    BatchResult<Long, Long> result = perItem.execute(ids(3)).orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(result.item(0).output()).isEqualTo(10L);
    assertThat(result.item(1).status().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(result.item(1).status().getDescription()).isEqualTo("no 2");
    assertThat(result.item(2).status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(stuck).isCompletedExceptionally();
  }

  @Test
  void theOverallDeadlineStopsTheRun() {
    List<CompletableFuture<Long>> calls = new CopyOnWriteArrayList<>();
    BatchExecutor<Long, Long> ex =
        track(
            BatchExecutor.perItem(
                id -> {
                  if (id <= 3) {
                    return CompletableFuture.completedFuture(id);
                  }
                  return parked(calls);
                },
                BatchSettings.newBuilder()
                    .maxInFlight(2)
                    .deadline(Duration.ofMillis(50))
                    .retry(RetrySettings.none())
                    .build()));
    BatchResult<Long, Long> result = ex.execute(ids(10)).orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(result.succeededCount()).isEqualTo(3);
    assertThat(result.failedCount()).isEqualTo(2);
    assertThat(result.item(3).status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(result.notAttemptedCount()).isEqualTo(5);
    assertThat(result.item(9).status().getDescription()).contains("deadline of PT0.05S passed");
    assertThat(calls).allMatch(CompletableFuture::isCancelled);
  }

  @Test
  void theCallTimeoutCompletesAStuckCallWithDeadlineExceeded() {
    CompletableFuture<Long> stuck = new CompletableFuture<>();
    BatchExecutor<Long, Long> ex =
        track(
            BatchExecutor.perItem(
                id -> id == 1 ? stuck : CompletableFuture.completedFuture(id),
                BatchSettings.newBuilder()
                    .callTimeout(Duration.ofMillis(20))
                    .retry(RetrySettings.none())
                    .build()));
    BatchResult<Long, Long> result = ex.execute(ids(2)).orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(result.item(0).status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(result.item(0).status().getDescription()).contains("callTimeout PT0.02S");
    assertThat(stuck).isCompletedExceptionally();
    assertThat(result.item(1).isSuccess()).isTrue();
  }

  @Test
  void cancellingTheRunStillReportsEveryItemOnceToTheListener() throws Exception {
    List<CompletableFuture<Long>> calls = new CopyOnWriteArrayList<>();
    BatchExecutor<Long, Long> ex =
        track(
            BatchExecutor.perItem(
                id -> {
                  return parked(calls);
                },
                BatchSettings.newBuilder().maxInFlight(4).build()));
    Map<Long, ItemResult<Long, Long>> seen = new ConcurrentHashMap<>();
    AtomicInteger duplicates = new AtomicInteger();
    CompletableFuture<BatchSummary> run =
        ex.execute(
            ids(50).iterator(),
            r -> {
              if (seen.put(r.index(), r) != null) {
                duplicates.incrementAndGet();
              }
            });
    assertThat(run.cancel(true)).isTrue();
    assertThat(seen).hasSize(50);
    assertThat(duplicates).hasValue(0);
    assertThat(calls).hasSize(4).allMatch(CompletableFuture::isCancelled);
    assertThat(seen.get(49L).outcome()).isEqualTo(ItemResult.Outcome.NOT_ATTEMPTED);
    assertThat(seen.get(0L).status().getDescription()).contains("cancelled by its caller");
  }

  @Test
  void deduplicationSendsEqualInputsOnceAndReportsEachCopy() {
    List<Long> sent = new CopyOnWriteArrayList<>();
    BatchExecutor<Long, Long> ex =
        track(
            BatchExecutor.perBatch(
                batch -> {
                  sent.addAll(batch);
                  return CompletableFuture.completedFuture(
                      BatchReply.of(batch.stream().map(x -> x * 2).toList()));
                },
                BatchSettings.newBuilder().batchSize(2).deduplicate(true).build()));
    BatchResult<Long, Long> result = ex.execute(List.of(7L, 8L, 7L, 9L, 8L, 7L)).join();
    assertThat(sent).containsExactly(7L, 8L, 9L);
    assertThat(result.outputs()).containsExactly(14L, 16L, 14L, 18L, 16L, 14L);
    assertThat(result.items().stream().map(ItemResult::index))
        .containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    assertThatThrownBy(() -> ex.execute(List.of(1L).iterator(), r -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deduplicate: true");
  }

  @Test
  void iteratorRunKeepsOnlyCountsAndReportsANullAsAFailedRun() {
    BatchExecutor<Long, Long> ex =
        track(
            BatchExecutor.perItem(
                id ->
                    id % 3 == 0
                        ? CompletableFuture.failedFuture(Status.NOT_FOUND.asRuntimeException())
                        : CompletableFuture.completedFuture(id),
                BatchSettings.defaults()));
    AtomicInteger items = new AtomicInteger();
    BatchSummary summary = ex.execute(ids(30).iterator(), r -> items.incrementAndGet()).join();
    assertThat(items).hasValue(30);
    assertThat(summary.total()).isEqualTo(30);
    assertThat(summary.failed()).isEqualTo(10);
    assertThatThrownBy(summary::throwIfAnyFailed)
        .isInstanceOf(BatchFailedException.class)
        .satisfies(e -> assertThat(((BatchFailedException) e).result()).isEmpty());

    List<Long> withNull = new ArrayList<>(List.of(1L, 2L));
    withNull.add(null);
    CompletableFuture<BatchSummary> bad = ex.execute(withNull.iterator(), r -> {});
    assertThatThrownBy(bad::join).hasCauseInstanceOf(NullPointerException.class);
  }

  @Test
  void progressReachesTheTotal() {
    List<BatchProgress> progress = new CopyOnWriteArrayList<>();
    BatchExecutor<Long, Long> ex =
        track(
            BatchExecutor.perBatch(
                batch -> later(500, () -> BatchReply.of(batch)),
                BatchSettings.newBuilder().batchSize(10).maxInFlight(2).build()));
    ex.execute(ids(200), progress::add).join();
    BatchProgress last = progress.get(progress.size() - 1);
    assertThat(last.total()).isEqualTo(200);
    assertThat(last.done()).isEqualTo(200);
    assertThat(last.succeeded()).isEqualTo(200);
    assertThat(last.callsInFlight()).isZero();
    assertThat(progress).allMatch(p -> p.callsInFlight() <= 2 && p.done() <= 200);
  }

  @Test
  void aThrowingListenerDoesNotChangeOutcomes() {
    BatchExecutor<Long, Long> ex =
        track(BatchExecutor.perItem(CompletableFuture::completedFuture, BatchSettings.defaults()));
    BatchSummary summary =
        ex.execute(
                ids(20).iterator(),
                r -> {
                  throw new IllegalStateException("listener bug");
                })
            .join();
    assertThat(summary.succeeded()).isEqualTo(20);
  }

  @Test
  void listenersThrowingAnErrorDoNotHangTheRun() throws Exception {
    BatchExecutor<Long, Long> ex =
        track(BatchExecutor.perItem(CompletableFuture::completedFuture, BatchSettings.defaults()));
    BatchSummary summary =
        ex.execute(
                ids(20).iterator(),
                r -> {
                  throw new AssertionError("listener bug");
                },
                p -> {
                  throw new AssertionError("progress listener bug");
                })
            .get(10, TimeUnit.SECONDS);
    assertThat(summary.succeeded()).isEqualTo(20);
  }

  @Test
  void callsRunOnTheExecutorOfTheUsersChoice() throws Exception {
    ExecutorService workers = Executors.newFixedThreadPool(3, r -> new Thread(r, "my-worker"));
    try {
      List<String> threads = new CopyOnWriteArrayList<>();
      BatchExecutor<Long, Long> ex =
          track(
              BatchExecutor.perBatch(
                  batch -> {
                    threads.add(Thread.currentThread().getName());
                    return CompletableFuture.completedFuture(BatchReply.of(batch));
                  },
                  BatchSettings.newBuilder().batchSize(5).executor(workers).build()));
      assertThat(ex.execute(ids(50)).join().succeededCount()).isEqualTo(50);
      assertThat(threads).hasSize(10).allMatch("my-worker"::equals);
    } finally {
      workers.shutdownNow();
      assertThat(workers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void closeStopsRunsCancelsCallsAndLeavesNoThread() {
    List<CompletableFuture<Long>> calls = new CopyOnWriteArrayList<>();
    BatchExecutor<Long, Long> ex =
        BatchExecutor.perItem(
            id -> {
              CompletableFuture<Long> never = new CompletableFuture<>();
              calls.add(never);
              return never;
            },
            BatchSettings.newBuilder().maxInFlight(5).build());
    CompletableFuture<BatchResult<Long, Long>> run = ex.execute(ids(20));
    assertThat(timerThreads()).isNotEmpty();
    ex.close();
    BatchResult<Long, Long> result = run.join();
    assertThat(result.failedCount()).isEqualTo(5);
    assertThat(result.notAttemptedCount()).isEqualTo(15);
    assertThat(result.item(0).status().getDescription()).contains("BatchExecutor was closed");
    assertThat(calls).hasSize(5).allMatch(CompletableFuture::isCancelled);
    assertThat(timerThreads()).isEmpty();
    assertThatThrownBy(() -> ex.execute(ids(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    ex.close();
  }

  static List<Thread> timerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("switchboard-batch-timer") && t.isAlive())
        .toList();
  }

  @Test
  void adaptiveLimitBacksOffOnPushBackAndGrowsWhenHealthy() {
    Limiter limiter = Concurrency.adaptive(2, 20, 40).newLimiter();
    for (int i = 0; i < 20; i++) {
      assertThat(limiter.tryAcquire()).isTrue();
    }
    assertThat(limiter.tryAcquire()).isFalse();
    for (int i = 0; i < 5; i++) {
      limiter.onSample(1_000_000, Status.Code.OK);
    }
    assertThat(limiter.limit()).isEqualTo(25);
    limiter.onSample(1_000_000, Status.Code.RESOURCE_EXHAUSTED);
    assertThat(limiter.limit()).isEqualTo(22);
    for (int i = 0; i < 40; i++) {
      limiter.onSample(1_000_000, Status.Code.UNAVAILABLE);
    }
    assertThat(limiter.limit()).isEqualTo(2);
    for (int i = 0; i < 20; i++) {
      limiter.onSample(1_000_000, Status.Code.OK);
    }
    int healthy = limiter.limit();
    assertThat(healthy).isGreaterThan(2);
    limiter.onSample(50_000_000, Status.Code.OK); // a latency rise: 50x the average
    assertThat(limiter.limit()).isLessThan(healthy);
  }

  @Test
  void adaptiveConcurrencyShrinksUnderResourceExhausted() {
    AtomicInteger inFlight = new AtomicInteger();
    List<Integer> observed = Collections.synchronizedList(new ArrayList<>());
    BatchExecutor<Long, Long> ex =
        track(
            BatchExecutor.perItem(
                id -> {
                  observed.add(inFlight.incrementAndGet());
                  return later(
                          300,
                          () -> {
                            if (id > 200) {
                              throw Status.RESOURCE_EXHAUSTED.asRuntimeException();
                            }
                            return id;
                          })
                      .whenComplete((v, e) -> inFlight.decrementAndGet());
                },
                BatchSettings.newBuilder()
                    .concurrency(Concurrency.adaptive(1, 32, 64))
                    .retry(RetrySettings.none())
                    .build()));
    List<BatchProgress> progress = new CopyOnWriteArrayList<>();
    ex.execute(ids(600), progress::add).join();
    assertThat(progress.get(progress.size() - 1).concurrencyLimit()).isLessThan(8);
    int late =
        observed.subList(observed.size() - 50, observed.size()).stream()
            .mapToInt(Integer::intValue)
            .max()
            .orElseThrow();
    assertThat(late).isLessThan(32);
  }

  @Test
  void settingsAreValidatedWithNamedBounds() {
    assertThatThrownBy(() -> BatchSettings.newBuilder().batchSize(1001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batchSize: 1001 (expected: 1..1000)");
    assertThatThrownBy(() -> BatchSettings.newBuilder().batchSize(0))
        .hasMessage("batchSize: 0 (expected: 1..1000)");
    assertThatThrownBy(() -> BatchSettings.newBuilder().maxInFlight(0))
        .hasMessage("limit: 0 (expected: 1..10000)");
    assertThatThrownBy(() -> BatchSettings.newBuilder().callTimeout(Duration.ZERO))
        .hasMessage("callTimeout: PT0S (expected: > 0)");
    assertThatThrownBy(() -> Concurrency.adaptive(5, 2, 10))
        .hasMessage("initial: 2 (expected: 5..10)");
    assertThatThrownBy(() -> RetrySettings.newBuilder().maxAttempts(11))
        .hasMessage("maxAttempts: 11 (expected: 1..10)");
    assertThatThrownBy(() -> RetrySettings.newBuilder().jitter(1.5))
        .hasMessage("jitter: 1.5 (expected: 0.0..1.0)");
    assertThatThrownBy(() -> RetrySettings.newBuilder().retryableCodes(EnumSet.of(Status.Code.OK)))
        .hasMessageContaining("not OK");
    assertThatThrownBy(
            () ->
                RetrySettings.newBuilder()
                    .initialBackoff(Duration.ofSeconds(10))
                    .maxBackoff(Duration.ofSeconds(1))
                    .build())
        .hasMessage("initialBackoff: PT10S (expected: <= maxBackoff PT1S)");
    assertThatThrownBy(
            () ->
                BatchSettings.newBuilder()
                    .deadline(Duration.ofMillis(50))
                    .retry(RetrySettings.defaults())
                    .build())
        .hasMessageContaining("retry.initialBackoff: PT0.1S (expected: < deadline PT0.05S");
    BatchSettings s = BatchSettings.newBuilder().batchSize(500).failFast(true).build();
    BatchSettings copy = s.toBuilder().build();
    assertThat(copy.batchSize()).isEqualTo(500);
    assertThat(copy.failFast()).isTrue();
    assertThat(s.toBuilder().batchSize(10).build().batchSize()).isEqualTo(10);
    assertThat(s.batchSize()).isEqualTo(500);
    assertThat(BatchSettings.defaults().batchSize()).isEqualTo(100);
  }

  @Test
  void batchReplyRejectsMisuse() {
    assertThatThrownBy(() -> BatchReply.newBuilder().failure(Status.OK))
        .isInstanceOf(IllegalArgumentException.class);
    BatchReply<String> reply =
        BatchReply.<String>newBuilder().success("a").failure(Status.ABORTED).build();
    assertThat(reply.size()).isEqualTo(2);
    assertThat(reply.failureCount()).isEqualTo(1);
    assertThatThrownBy(() -> reply.output(1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> reply.status(2)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThat(IntStream.range(0, 2).mapToObj(reply::isSuccess)).containsExactly(true, false);
  }
}
