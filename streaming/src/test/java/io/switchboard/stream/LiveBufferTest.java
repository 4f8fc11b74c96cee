package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A subscriber's live side on its own, and the log's use of it. */
class LiveBufferTest {
  private static Event<String> event(long sequence) {
    return new Event<>(sequence, Instant.EPOCH, "e" + sequence);
  }

  @Test
  void keepsEventsInOrderUpToItsCapacityThenOverflowsEmpty() {
    AtomicInteger signals = new AtomicInteger();
    LiveBuffer<String> live = LiveBuffer.buffered(2, signals::incrementAndGet);
    assertThat(live.offer(event(1))).isTrue();
    assertThat(live.offer(event(2))).isTrue();
    assertThat(signals).hasValue(2);
    assertThat(live.offer(event(3))).isFalse(); // full: it keeps nothing and says so
    assertThat(signals).hasValue(3); // the subscriber is still woken, to see the overflow
    assertThat(live.overflowed()).isTrue();
    assertThat(live.poll()).isNull();

    live.reset();
    assertThat(live.overflowed()).isFalse();
    assertThat(live.offer(event(4))).isTrue();
    assertThat(live.poll()).isEqualTo(event(4));
    assertThat(live.poll()).isNull();
  }

  @Test
  void pushingHandsEachEventOnAndNeverOverflows() {
    List<Long> pushed = new ArrayList<>();
    AtomicInteger unhooked = new AtomicInteger();
    LiveBuffer<String> live =
        LiveBuffer.pushing(e -> pushed.add(e.sequence()), unhooked::incrementAndGet);
    for (long s = 1; s <= 10; s++) {
      assertThat(live.offer(event(s))).isTrue();
    }
    assertThat(pushed).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(live.poll()).isNull();
    assertThat(live.overflowed()).isFalse();
    live.unhooked(); // the log's store went back: the subscriber is woken to look at the store
    assertThat(live.overflowed()).isTrue();
    assertThat(unhooked).hasValue(1);
  }

  @Test
  void theLogGoesLiveOnlyWhenCaughtUpAndUnhooksAnOverflowedSubscriber() {
    EventLog<String> log = EventLog.inMemory(100);
    log.append("a");
    LiveBuffer<String> live = LiveBuffer.buffered(1, () -> {});
    assertThat(log.goLiveIfCaughtUp(live, 1, null)).isFalse(); // event 1 is stored: read it first
    assertThat(log.liveSubscribers()).isZero();
    assertThat(log.goLiveIfCaughtUp(live, 2, null)).isTrue();
    assertThat(log.liveSubscribers()).isEqualTo(1);
    log.append("b");
    assertThat(live.poll().sequence()).isEqualTo(2);
    log.append("c");
    log.append("d"); // the buffer of one overflows: the log unhooks it
    assertThat(live.overflowed()).isTrue();
    assertThat(log.liveSubscribers()).isZero();
    log.removeLive(live); // idempotent
    assertThat(log.liveSubscribers()).isZero();
  }
}
