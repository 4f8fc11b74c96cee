package io.switchboard.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-batch state machine on its own: transitions, stale attempts, what each reports. */
class BatchTest {
  private static final long HOUR = TimeUnit.HOURS.toNanos(1);
  private static final Predicate<Status.Code> UNAVAILABLE_ONLY =
      code -> code == Status.Code.UNAVAILABLE;

  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimers() throws InterruptedException {
    timers.shutdownNow();
    assertThat(timers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  private static Batch<String, String> batch(String... inputs) {
    long[] indices = new long[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      indices[i] = 10 + i;
    }
    return new Batch<>(3, indices, inputs.clone());
  }

  private Batch.Settled<String, String> answer(
      Batch<String, String> b, int attempt, BatchReply<String> reply, Runnable relaunch) {
    return b.settle(
        attempt,
        1_000,
        batch -> AttemptOutcome.classify(batch, attempt, reply, null, true, UNAVAILABLE_ONLY),
        timers,
        HOUR,
        batch -> relaunch.run());
  }

  @Test
  void anAttemptThatSucceedsEndsTheBatchAndReportsEveryItem() {
    Batch<String, String> b = batch("a", "b");
    assertThat(b.state()).isEqualTo(Batch.State.QUEUED);
    assertThat(b.begin(400)).isEqualTo(1);
    assertThat(b.begin(500)).as("already running").isEqualTo(-1);
    assertThat(b.state()).isEqualTo(Batch.State.RUNNING);

    Batch.Settled<String, String> settled =
        answer(b, 1, BatchReply.of(List.of("A", "B")), () -> {});
    assertThat(settled.done()).isTrue();
    assertThat(settled.latencyNanos()).isEqualTo(600);
    assertThat(settled.outcome().finals())
        .extracting(ItemResult::index, ItemResult::output, ItemResult::batchIndex)
        .containsExactly(tuple(10L, "A", 3L), tuple(11L, "B", 3L));
    assertThat(b.state()).isEqualTo(Batch.State.DONE);
    assertThat(answer(b, 1, BatchReply.of(List.of("A", "B")), () -> {}))
        .as("a second answer to the same attempt")
        .isNull();
    assertThat(b.abort(Status.CANCELLED)).as("a done batch is never aborted").isNull();
  }

  @Test
  void aPartialRetryReportsTheFinalItemsAndKeepsOnlyThoseToRetry() throws Exception {
    Batch<String, String> b = batch("a", "b", "c");
    assertThat(b.begin(0)).isEqualTo(1);
    BatchReply<String> reply =
        BatchReply.<String>newBuilder()
            .success("A")
            .failure(Status.UNAVAILABLE.withDescription("try again"))
            .failure(Status.NOT_FOUND.withDescription("no c"))
            .build();
    CountDownLatch relaunched = new CountDownLatch(1);
    Batch.Settled<String, String> settled =
        b.settle(
            1,
            10,
            batch -> AttemptOutcome.classify(batch, 1, reply, null, true, UNAVAILABLE_ONLY),
            timers,
            TimeUnit.MILLISECONDS.toNanos(1),
            batch -> relaunched.countDown());
    assertThat(settled.done()).isFalse();
    assertThat(settled.outcome().finals())
        .extracting(ItemResult::input, ItemResult::outcome)
        .containsExactly(
            tuple("a", ItemResult.Outcome.SUCCEEDED), tuple("c", ItemResult.Outcome.FAILED));
    assertThat(b.state()).isEqualTo(Batch.State.BACKOFF);
    assertThat(b.inputList()).containsExactly("b");
    assertThat(b.indices()).containsExactly(11L);
    assertThat(relaunched.await(10, TimeUnit.SECONDS)).as("the relaunch timer ran").isTrue();

    assertThat(b.requeue()).isTrue();
    assertThat(b.requeue()).as("only from BACKOFF").isFalse();
    assertThat(b.begin(20)).isEqualTo(2);
    assertThat(answer(b, 1, BatchReply.of(List.of("B")), () -> {}))
        .as("a late answer to attempt 1")
        .isNull();
    Batch.Settled<String, String> second = answer(b, 2, BatchReply.of(List.of("B")), () -> {});
    assertThat(second.done()).isTrue();
    assertThat(second.outcome().finals())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.index()).isEqualTo(11L);
              assertThat(r.output()).isEqualTo("B");
              assertThat(r.attempts()).isEqualTo(2);
            });
  }

  @Test
  void abortReportsEachStateItsOwnWay() {
    Batch<String, String> queued = batch("a");
    assertThat(queued.abort(Status.CANCELLED.withDescription("stop")).items())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.outcome()).isEqualTo(ItemResult.Outcome.NOT_ATTEMPTED);
              assertThat(r.status().getDescription()).isEqualTo("stop");
              assertThat(r.batchIndex()).isEqualTo(-1);
            });
    assertThat(queued.begin(0)).as("an aborted batch never begins").isEqualTo(-1);

    Batch<String, String> running = batch("a", "b");
    running.begin(0);
    CompletableFuture<String> call = new CompletableFuture<>();
    assertThat(running.attach(1, call, timers, HOUR, () -> {})).isTrue();
    Batch.Aborted<String, String> aborted =
        running.abort(Status.DEADLINE_EXCEEDED.withDescription("deadline passed"));
    assertThat(aborted.inFlight()).isSameAs(call);
    assertThat(aborted.items())
        .hasSize(2)
        .allSatisfy(
            r -> {
              assertThat(r.outcome()).isEqualTo(ItemResult.Outcome.FAILED);
              assertThat(r.status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
              assertThat(r.status().getDescription())
                  .isEqualTo("in flight when the run stopped: deadline passed");
              assertThat(r.attempts()).isEqualTo(1);
            });
    assertThat(answer(running, 1, BatchReply.of(List.of("A", "B")), () -> {}))
        .as("the answer after the abort")
        .isNull();

    Batch<String, String> waiting = batch("a", "b");
    waiting.begin(0);
    BatchReply<String> reply =
        BatchReply.<String>newBuilder()
            .failure(Status.UNAVAILABLE.withDescription("down"))
            .success("B")
            .build();
    answer(waiting, 1, reply, () -> {});
    assertThat(waiting.state()).isEqualTo(Batch.State.BACKOFF);
    Batch.Aborted<String, String> stopped = waiting.abort(Status.CANCELLED);
    assertThat(stopped.inFlight()).isNull();
    assertThat(stopped.items())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.input()).isEqualTo("a");
              assertThat(r.status().getDescription()).as("its last attempt's").isEqualTo("down");
            });
    assertThat(waiting.requeue()).as("the retry timer after the abort").isFalse();
  }

  @Test
  void anAttachAfterAnAbortIsRefusedSoTheCallerCancelsTheCall() {
    Batch<String, String> b = batch("a");
    b.begin(0);
    b.abort(Status.CANCELLED);
    assertThat(b.attach(1, new CompletableFuture<>(), timers, HOUR, () -> {})).isFalse();
  }

  @Test
  void whenTheTimersRefuseTheRetryTheItemsFailWithTheirStatus() {
    timers.shutdown();
    Batch<String, String> b = batch("a", "b");
    b.begin(0);
    BatchReply<String> reply =
        BatchReply.<String>newBuilder()
            .success("A")
            .failure(Status.UNAVAILABLE.withDescription("down"))
            .build();
    Batch.Settled<String, String> settled = answer(b, 1, reply, () -> {});
    assertThat(settled.done()).isTrue();
    assertThat(b.state()).isEqualTo(Batch.State.DONE);
    assertThat(settled.outcome().finals())
        .extracting(r -> r.status().getCode())
        .containsExactly(Status.Code.OK, Status.Code.UNAVAILABLE);
  }

  @Test
  void aBatchHoldsAtLeastOneItemAndAnIndexForEach() {
    assertThatThrownBy(() -> new Batch<String, String>(0, new long[0], new Object[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("inputs: 0, indices: 0 (expected: as many, at least one)");
    assertThatThrownBy(() -> new Batch<String, String>(0, new long[1], new Object[2]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
