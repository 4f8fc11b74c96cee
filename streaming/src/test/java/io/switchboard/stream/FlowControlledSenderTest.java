package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.switchboard.stream.TestMessages.Msg;
import io.switchboard.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The sender's rules, against a call whose readiness the test controls. */
class FlowControlledSenderTest {
  private static SenderSettings.Builder<Msg> settings(OverflowStrategy strategy, int max) {
    return SenderSettings.<Msg>newBuilder().maxBufferedMessages(max).overflowStrategy(strategy);
  }

  private static Msg msg(long seq) {
    return Msg.of(0, seq, 0, 0);
  }

  private static Msg msg(long seq, int priority) {
    return Msg.of(0, seq, priority, 0);
  }

  private static List<Long> seqs(List<Msg> msgs) {
    return msgs.stream().map(Msg::seq).toList();
  }

  /**
   * Waits until a producer is parked in the sender's {@code BLOCK} wait, so what the test does next
   * really has to wake it (and not merely reach the sender before the producer does).
   */
  private static void awaitBlockedProducer(FlowControlledSender<?> sender) {
    Await.until(
        Duration.ofSeconds(10),
        () -> sender.waitingProducers() > 0,
        () -> "a producer blocked in the sender: " + sender);
  }

  @Test
  void writesAtOnceWhileReadyAndBuffersOtherwise() {
    FakeCall<Msg> call = new FakeCall<>();
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(call, settings(OverflowStrategy.DROP_NEWEST, 4).build());
    assertThat(sender.send(msg(1))).isTrue();
    assertThat(seqs(call.written)).containsExactly(1L);

    call.setReady(false);
    sender.send(msg(2));
    sender.send(msg(3));
    call.fireOnReady(); // spurious: still not ready
    assertThat(seqs(call.written)).containsExactly(1L);
    assertThat(sender.buffered()).isEqualTo(2);

    call.setReady(true);
    call.fireOnReady();
    assertThat(seqs(call.written)).containsExactly(1L, 2L, 3L);
    assertThat(call.writesWhileNotReady).hasValue(0);
    assertThat(sender.stats().sent()).isEqualTo(3);
  }

  @Test
  void completionWaitsForTheBufferToDrain() {
    FakeCall<Msg> call = new FakeCall<>();
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(call, settings(OverflowStrategy.BLOCK, 4).build());
    call.setReady(false);
    sender.send(msg(1));
    sender.complete();
    assertThat(call.completed).isFalse();
    assertThatThrownBy(() -> sender.send(msg(2))).isInstanceOf(IllegalStateException.class);
    call.setReady(true);
    call.fireOnReady();
    assertThat(seqs(call.written)).containsExactly(1L);
    assertThat(call.completed).isTrue();
    assertThat(sender.whenDone().toCompletableFuture().join().isOk()).isTrue();
  }

  @Test
  void dropOldestKeepsTheNewest() {
    FakeCall<Msg> call = new FakeCall<>();
    List<Msg> dropped = new ArrayList<>();
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(
            call,
            settings(OverflowStrategy.DROP_OLDEST, 3)
                .dropListener((m, s) -> dropped.add(m))
                .build());
    call.setReady(false);
    for (long i = 1; i <= 5; i++) {
      assertThat(sender.send(msg(i))).isTrue();
    }
    call.setReady(true);
    call.fireOnReady();
    assertThat(seqs(call.written)).containsExactly(3L, 4L, 5L);
    assertThat(seqs(dropped)).containsExactly(1L, 2L);
    assertThat(sender.stats().dropped()).isEqualTo(2);
  }

  @Test
  void dropNewestKeepsTheOldest() {
    FakeCall<Msg> call = new FakeCall<>();
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(call, settings(OverflowStrategy.DROP_NEWEST, 3).build());
    call.setReady(false);
    List<Boolean> accepted = new ArrayList<>();
    for (long i = 1; i <= 5; i++) {
      accepted.add(sender.send(msg(i)));
    }
    call.setReady(true);
    call.fireOnReady();
    assertThat(accepted).containsExactly(true, true, true, false, false);
    assertThat(seqs(call.written)).containsExactly(1L, 2L, 3L);
  }

  @Test
  void dropLowestPriorityDropsTheLeastImportantFirst() {
    FakeCall<Msg> call = new FakeCall<>();
    List<Msg> dropped = new ArrayList<>();
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(
            call,
            settings(OverflowStrategy.DROP_LOWEST_PRIORITY, 3)
                .priority(Msg::priority)
                .dropListener((m, s) -> dropped.add(m))
                .build());
    call.setReady(false);
    sender.send(msg(1, 1));
    sender.send(msg(2, 0));
    sender.send(msg(3, 0));
    assertThat(sender.send(msg(4, 2))).isTrue(); // drops seq 2 (priority 0, oldest of the lowest)
    assertThat(sender.send(msg(5, 0))).isFalse(); // nothing lower than 0 is buffered: dropped
    assertThat(sender.send(msg(6, 1))).isTrue(); // drops seq 3
    call.setReady(true);
    call.fireOnReady();
    assertThat(seqs(call.written)).containsExactly(1L, 4L, 6L);
    assertThat(seqs(dropped)).containsExactly(2L, 5L, 3L);
  }

  @Test
  void dropLowestPriorityDropsAcrossLevelsOnlyWhenThatMakesRoom() {
    FakeCall<Msg> call = new FakeCall<>();
    List<Msg> dropped = new ArrayList<>();
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(
            call,
            settings(OverflowStrategy.DROP_LOWEST_PRIORITY, 10)
                .maxBufferedBytes(100)
                .sizeFunction(Msg::size)
                .priority(Msg::priority)
                .dropListener((m, s) -> dropped.add(m))
                .build());
    call.setReady(false);
    sender.send(Msg.of(0, 1, 2, 9)); // 25 bytes each: four fit
    sender.send(Msg.of(0, 2, 0, 9));
    sender.send(Msg.of(0, 3, 1, 9));
    sender.send(Msg.of(0, 4, 0, 9));
    // 75 bytes at priority 1: dropping both priority-0 messages leaves 50 + 75 > 100: nothing goes.
    assertThat(sender.send(Msg.of(0, 5, 1, 59))).isFalse();
    assertThat(seqs(dropped)).containsExactly(5L);
    assertThat(sender.buffered()).isEqualTo(4);
    // At priority 3 it takes both priority-0 messages, oldest first, then the priority-1 one.
    assertThat(sender.send(Msg.of(0, 6, 3, 59))).isTrue();
    assertThat(seqs(dropped)).containsExactly(5L, 2L, 4L, 3L);
    assertThat(sender.stats().bufferedBytes()).isEqualTo(100);
    call.setReady(true);
    call.fireOnReady();
    assertThat(seqs(call.written)).containsExactly(1L, 6L);
    assertThat(sender.stats().dropped()).isEqualTo(4);
  }

  @Test
  void byteBoundCountsTheSizeFunction() {
    FakeCall<Msg> call = new FakeCall<>();
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(
            call,
            settings(OverflowStrategy.DROP_OLDEST, 100)
                .maxBufferedBytes(100)
                .sizeFunction(Msg::size)
                .build());
    call.setReady(false);
    for (long i = 1; i <= 10; i++) {
      sender.send(Msg.of(0, i, 0, 24)); // 40 bytes each: two fit
    }
    assertThat(sender.stats().bufferedBytes()).isEqualTo(80);
    assertThat(sender.stats().peakBufferedBytes()).isLessThanOrEqualTo(100);
    assertThatThrownBy(() -> sender.send(Msg.of(0, 99, 0, 200)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("message size in bytes: 216 (expected: 0..100)");
    call.setReady(true);
    call.fireOnReady();
    assertThat(seqs(call.written)).containsExactly(9L, 10L);
  }

  @Test
  void failEndsTheStreamWithResourceExhausted() {
    FakeCall<Msg> call = new FakeCall<>();
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(call, settings(OverflowStrategy.FAIL, 2).build());
    call.setReady(false);
    sender.send(msg(1));
    sender.send(msg(2));
    assertThat(sender.send(msg(3))).isFalse();
    // The error goes out at once, without waiting for readiness; the buffer is discarded.
    Status status = Status.fromThrowable(call.error);
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("bounds: 2 messages");
    assertThat(sender.send(msg(4))).isFalse();
    SenderStats stats = sender.stats();
    assertThat(stats.dropped()).isEqualTo(1);
    assertThat(stats.discarded()).isEqualTo(2);
    assertThat(stats.rejected()).isEqualTo(1);
    assertThat(call.written).isEmpty();
  }

  @Test
  void blockWaitsForRoomAndTimesOut() throws Exception {
    FakeCall<Msg> call = new FakeCall<>();
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(
            call, settings(OverflowStrategy.BLOCK, 1).blockTimeout(Duration.ofMillis(50)).build());
    call.setReady(false);
    sender.send(msg(1));
    assertThat(sender.send(msg(2))).isFalse(); // times out
    assertThat(sender.stats().timedOut()).isEqualTo(1);

    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      FlowControlledSender<Msg> patient =
          FlowControlledSender.create(
              call,
              settings(OverflowStrategy.BLOCK, 1).blockTimeout(Duration.ofSeconds(30)).build());
      patient.send(msg(10));
      Future<Boolean> blocked = pool.submit(() -> patient.send(msg(11)));
      awaitBlockedProducer(patient);
      assertThat(blocked.isDone()).isFalse();
      call.setReady(true);
      call.fireOnReady(); // room: the blocked producer goes on
      assertThat(blocked.get(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void cancellationReleasesTheBufferAndUnblocksProducers() throws Exception {
    FakeCall<Msg> call = new FakeCall<>();
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(
            call, settings(OverflowStrategy.BLOCK, 2).blockTimeout(Duration.ofSeconds(30)).build());
    call.setReady(false);
    sender.send(msg(1));
    sender.send(msg(2));
    CompletableFuture<Boolean> blocked = CompletableFuture.supplyAsync(() -> sender.send(msg(3)));
    awaitBlockedProducer(sender);
    assertThat(blocked.isDone()).isFalse();
    call.cancel();
    assertThat(blocked.get(10, TimeUnit.SECONDS)).isFalse();
    SenderStats stats = sender.stats();
    assertThat(stats.buffered()).isZero();
    assertThat(stats.discarded()).isEqualTo(2);
    assertThat(stats.rejected()).isEqualTo(1);
    assertThat(sender.whenDone().toCompletableFuture().join().getCode())
        .isEqualTo(Status.Code.CANCELLED);
    sender.complete(); // no-op after cancellation
    assertThat(call.completed).isFalse();
  }

  @Test
  void failNowDiscardsAndEndsAtOnce() {
    FakeCall<Msg> call = new FakeCall<>();
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(call, settings(OverflowStrategy.BLOCK, 8).build());
    call.setReady(false);
    sender.send(msg(1));
    sender.failNow(Status.ABORTED.withDescription("stop").asRuntimeException());
    assertThat(Status.fromThrowable(call.error).getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(sender.stats().discarded()).isEqualTo(1);
  }

  @Test
  void writableHandlerRunsWhenTheBufferEmptiesWithoutRecursing() {
    FakeCall<Msg> call = new FakeCall<>();
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(call, settings(OverflowStrategy.BLOCK, 8).build());
    long[] next = {0};
    int[] depth = {0};
    int[] maxDepth = {0};
    sender.setOnWritableHandler(
        () -> {
          depth[0]++;
          maxDepth[0] = Math.max(maxDepth[0], depth[0]);
          if (next[0] < 10_000) {
            sender.send(msg(next[0]++)); // a lazy producer: one more each time it may
          }
          depth[0]--;
        });
    sender.send(msg(next[0]++));
    assertThat(call.written).hasSize(10_000);
    assertThat(maxDepth[0]).isEqualTo(1);
  }

  @Test
  void manyProducersAndSpuriousReadyNeverOverlapWritesOrLoseMessages() throws Exception {
    int producers = 4;
    int perProducer = 10_000;
    int bound = 32;
    for (int run = 0; run < 3; run++) {
      FakeCall<Msg> call = new FakeCall<>();
      FlowControlledSender<Msg> sender =
          FlowControlledSender.create(
              call,
              settings(OverflowStrategy.BLOCK, bound).blockTimeout(Duration.ofSeconds(60)).build());
      ExecutorService pool = Executors.newFixedThreadPool(producers + 1);
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch start = new CountDownLatch(1);
      try {
        // A "transport" that flips readiness and fires on-ready, often spuriously.
        Future<?> transport =
            pool.submit(
                () -> {
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  while (!stop.get()) {
                    call.setReady(random.nextInt(4) != 0);
                    call.fireOnReady();
                  }
                  call.setReady(true);
                  call.fireOnReady();
                });
        List<Future<?>> sends = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
          int producer = p;
          sends.add(
              pool.submit(
                  () -> {
                    start.await();
                    for (long i = 0; i < perProducer; i++) {
                      if (!sender.send(Msg.of(producer, i, 0, 0))) {
                        throw new AssertionError("BLOCK dropped a message");
                      }
                    }
                    return null;
                  }));
        }
        start.countDown();
        for (Future<?> f : sends) {
          f.get(60, TimeUnit.SECONDS);
        }
        sender.complete();
        stop.set(true);
        transport.get(60, TimeUnit.SECONDS);
        sender.whenDone().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } finally {
        stop.set(true);
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(call.overlaps).hasValue(0);
      assertThat(call.written).hasSize(producers * perProducer);
      long[] last = new long[producers];
      java.util.Arrays.fill(last, -1);
      for (Msg m : List.copyOf(call.written)) {
        assertThat(m.seq()).isEqualTo(last[m.producer()] + 1); // per-producer order, no gap/dup
        last[m.producer()] = m.seq();
      }
      SenderStats stats = sender.stats();
      assertThat(stats.peakBuffered()).isLessThanOrEqualTo(bound);
      assertThat(stats.sent()).isEqualTo((long) producers * perProducer);
      assertThat(call.completed).isTrue();
    }
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> SenderSettings.newBuilder().maxBufferedMessages(0))
        .hasMessage("maxBufferedMessages: 0 (expected: > 0)");
    assertThatThrownBy(() -> SenderSettings.newBuilder().maxBufferedBytes(-1))
        .hasMessage("maxBufferedBytes: -1 (expected: > 0)");
    assertThatThrownBy(() -> SenderSettings.newBuilder().blockTimeout(Duration.ofMillis(-1)))
        .hasMessage("blockTimeout: PT-0.001S (expected: >= 0)");
    SenderSettings<Object> s = SenderSettings.newBuilder().maxBufferedMessages(7).build();
    assertThat(s.toBuilder().build().maxBufferedMessages()).isEqualTo(7);
  }
}
