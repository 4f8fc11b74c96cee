package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The window both receivers share, on its own, against a call that records requests. */
class InboundWindowTest {
  private static ReceiverSettings fixed(int window) {
    return ReceiverSettings.newBuilder()
        .initialWindow(window)
        .minWindow(window)
        .maxWindow(window)
        .adaptive(false)
        .build();
  }

  @Test
  void asksForTheWindowThenForMoreInQuarterWindowBatches() {
    FakeCall<Object> call = new FakeCall<>();
    InboundWindow<Integer> window = new InboundWindow<>(fixed(8), () -> {});
    assertThat(window.attach(call)).isEqualTo(8);
    assertThatThrownBy(() -> window.attach(new FakeCall<>()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already attached");
    for (int i = 0; i < 8; i++) {
      window.onMessage(i);
    }
    assertThat(window.take(0)).isEqualTo(0);
    assertThat(call.requested).isZero(); // room for 1 < a quarter window (2): no request yet
    assertThat(window.take(0)).isEqualTo(1);
    assertThat(call.requested).isEqualTo(2);
    ReceiverStats stats = window.stats();
    assertThat(stats.requested()).isEqualTo(10);
    assertThat(stats.received()).isEqualTo(8);
    assertThat(stats.consumed()).isEqualTo(2);
    assertThat(stats.buffered()).isEqualTo(6);
    assertThat(stats.peakBuffered()).isEqualTo(8);
  }

  @Test
  void endsAfterEveryMessageWithTheStatusOfTheFailure() {
    InboundWindow<Integer> window = new InboundWindow<>(fixed(4), () -> {});
    window.attach(new FakeCall<>());
    window.onMessage(1);
    window.onEnd(Status.DATA_LOSS.withDescription("lost").asRuntimeException());
    window.onEnd(null); // a later end is ignored
    assertThat(window.isFinished()).isFalse();
    assertThat(window.take(-1)).isEqualTo(1);
    assertThat(window.isFinished()).isTrue();
    assertThatThrownBy(() -> window.take(-1))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS));
  }

  @Test
  void claimsTheEndOnceAndOnlyWhenNothingWaits() {
    AtomicInteger arrivals = new AtomicInteger();
    InboundWindow<Integer> window = new InboundWindow<>(fixed(4), arrivals::incrementAndGet);
    window.attach(new FakeCall<>());
    window.onMessage(1);
    window.onEnd(null);
    assertThat(arrivals).hasValue(2);
    assertThat(window.claimEnd()).isNull(); // a message still waits
    assertThat(window.pollNow()).isEqualTo(1);
    window.consumed();
    assertThat(window.pollNow()).isNull();
    InboundWindow.End end = window.claimEnd();
    assertThat(end).isNotNull();
    assertThat(end.error()).isNull();
    assertThat(window.claimEnd()).isNull();
  }

  @Test
  void stopDiscardsAndCancelsAndWakesABlockedReader() throws Exception {
    InboundWindow<Integer> window = new InboundWindow<>(fixed(4), () -> {});
    window.attach(new FakeCall<>());
    window.onMessage(1);
    window.onMessage(2);
    assertThat(window.take(-1)).isEqualTo(1);
    ExecutorService reader = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> second = reader.submit(() -> window.take(-1));
      assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(2);
      Future<Integer> blocked = reader.submit(() -> window.take(-1));
      RuntimeException cause = Status.CANCELLED.withDescription("enough").asRuntimeException();
      assertThat(window.stop(cause)).isTrue();
      assertThat(window.stop(cause)).isFalse(); // idempotent
      assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("enough");
    } finally {
      reader.shutdownNow();
    }
    window.onMessage(3); // late: discarded
    assertThat(window.stats().discarded()).isEqualTo(1);
    assertThat(window.pollNow()).isNull();
    assertThat(window.claimEnd()).isNull(); // a stopped receiver's end was already told
  }

  @Test
  void aClientCallIsCancelledWhenTheWindowStops() {
    List<String> cancelled = new ArrayList<>();
    InboundWindow<Integer> window = new InboundWindow<>(fixed(4), () -> {});
    window.attach(
        new io.grpc.stub.ClientCallStreamObserver<Object>() {
          @Override
          public void cancel(String message, Throwable cause) {
            cancelled.add(message);
          }

          @Override
          public boolean isReady() {
            return true;
          }

          @Override
          public void setOnReadyHandler(Runnable onReadyHandler) {}

          @Override
          public void request(int count) {}

          @Override
          public void setMessageCompression(boolean enable) {}

          @Override
          public void disableAutoInboundFlowControl() {}

          @Override
          public void onNext(Object value) {}

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    window.stop(new IllegalStateException("boom"));
    assertThat(cancelled)
        .singleElement()
        .asString()
        .contains("the receiver stopped")
        .contains("boom");
  }

  @Test
  void theWindowGrowsForAStarvedReaderAndShrinksForALaggingOne() {
    ReceiverSettings adaptive =
        ReceiverSettings.newBuilder().initialWindow(8).minWindow(2).maxWindow(32).build();
    InboundWindow<Integer> fast = new InboundWindow<>(adaptive, () -> {});
    fast.attach(new FakeCall<>());
    for (int i = 0; i < InboundWindow.GROW_AFTER_STARVED; i++) {
      fast.onMessage(i);
      fast.take(0); // finds nothing else waiting: starved
    }
    assertThat(fast.stats().window()).isEqualTo(16);

    InboundWindow<Integer> slow = new InboundWindow<>(adaptive, () -> {});
    slow.attach(new FakeCall<>());
    for (int i = 0; i < 8; i++) {
      slow.onMessage(i);
    }
    for (int i = 0; i < 16; i++) {
      slow.onMessage(100 + i); // more arrives than it takes: it never catches up
      slow.take(0);
    }
    assertThat(slow.stats().window()).isLessThan(8);
  }

  /**
   * A grpc thread that delivers only what was requested, racing a reader that takes with random
   * pauses, adaptive window: every message arrives once and in order, what waits never exceeds the
   * max window, and requests never run ahead of consumption by more than the max window.
   */
  @Test
  void concurrentDeliveryAndTakingLoseNothingAndStayBounded() throws Exception {
    int maxWindow = 16;
    ReceiverSettings settings =
        ReceiverSettings.newBuilder().initialWindow(4).minWindow(1).maxWindow(maxWindow).build();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      for (int run = 0; run < 20; run++) {
        int total = 5_000;
        FakeCall<Object> call = new FakeCall<>();
        InboundWindow<Integer> window = new InboundWindow<>(settings, () -> {});
        AtomicLong granted = new AtomicLong(window.attach(call));
        AtomicLong maxAhead = new AtomicLong();
        Future<?> grpc =
            threads.submit(
                () -> {
                  int sent = 0;
                  while (sent < total) {
                    if (sent < granted.get() + call.requested) {
                      window.onMessage(sent++);
                    } else {
                      Thread.onSpinWait();
                    }
                  }
                  window.onEnd(null);
                });
        CompletableFuture<List<Integer>> read =
            CompletableFuture.supplyAsync(
                () -> {
                  List<Integer> got = new ArrayList<>();
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  for (Integer m; (m = window.take(-1)) != null; ) {
                    got.add(m);
                    ReceiverStats s = window.stats();
                    maxAhead.accumulateAndGet(s.requested() - s.consumed(), Math::max);
                    if (random.nextInt(100) == 0) {
                      LockSupport.parkNanos(random.nextLong(1, 200_000));
                    }
                  }
                  return got;
                },
                threads);
        grpc.get(60, TimeUnit.SECONDS);
        List<Integer> got = read.get(60, TimeUnit.SECONDS);
        assertThat(got).hasSize(total);
        for (int i = 0; i < total; i++) {
          assertThat(got.get(i)).isEqualTo(i);
        }
        ReceiverStats stats = window.stats();
        assertThat(stats.peakBuffered()).isLessThanOrEqualTo(maxWindow);
        assertThat(maxAhead.get()).isLessThanOrEqualTo(maxWindow);
        assertThat(stats.received()).isEqualTo(total);
      }
    } finally {
      threads.shutdownNow();
      assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }
}
