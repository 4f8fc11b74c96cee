package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sender's buffer on its own: bounds, the five strategies, counts and peaks. */
class OutboundBufferTest {
  private static List<String> drain(OutboundBuffer<String> buffer) {
    List<String> out = new ArrayList<>();
    for (String m; (m = buffer.poll()) != null; ) {
      out.add(m);
    }
    return out;
  }

  @Test
  void boundsByCountAndByBytesAndKeepsPeaks() {
    OutboundBuffer<String> buffer = new OutboundBuffer<>(3, 100, OverflowStrategy.DROP_NEWEST);
    assertThat(buffer.add("a", 40, 0)).isTrue();
    assertThat(buffer.add("b", 40, 0)).isTrue();
    assertThat(buffer.fits(21)).isFalse(); // 80 + 21 > 100
    assertThat(buffer.add("c", 21, 0)).isFalse(); // nothing changes
    assertThat(buffer.add("c", 20, 0)).isTrue();
    assertThat(buffer.fits(0)).isFalse(); // 3 messages: the count bound
    assertThat(buffer.size()).isEqualTo(3);
    assertThat(buffer.bytes()).isEqualTo(100);
    assertThat(buffer.poll()).isEqualTo("a");
    assertThat(buffer.bytes()).isEqualTo(60);
    assertThat(buffer.peakMessages()).isEqualTo(3);
    assertThat(buffer.peakBytes()).isEqualTo(100);
    assertThat(buffer.dropped()).isZero();
  }

  @Test
  void dropOldestGivesUpTheOldestUntilTheNewFits() {
    OutboundBuffer<String> buffer = new OutboundBuffer<>(10, 100, OverflowStrategy.DROP_OLDEST);
    buffer.add("a", 30, 0);
    buffer.add("b", 30, 0);
    buffer.add("c", 30, 0);
    OutboundBuffer.Overflow<String> o = buffer.overflow("d", 70, 0);
    assertThat(o.accepted()).isTrue();
    assertThat(o.dropped()).containsExactly("a", "b"); // then 30 + 70 fits: "c" stays
    assertThat(drain(buffer)).containsExactly("c", "d");
    assertThat(buffer.dropped()).isEqualTo(2);
  }

  @Test
  void dropNewestAndFailGiveUpTheNewMessage() {
    for (OverflowStrategy strategy : List.of(OverflowStrategy.DROP_NEWEST, OverflowStrategy.FAIL)) {
      OutboundBuffer<String> buffer = new OutboundBuffer<>(2, 100, strategy);
      buffer.add("a", 1, 0);
      buffer.add("b", 1, 0);
      OutboundBuffer.Overflow<String> o = buffer.overflow("c", 1, 0);
      assertThat(o.accepted()).as("%s", strategy).isFalse();
      assertThat(o.dropped()).containsExactly("c");
      assertThat(buffer.dropped()).isEqualTo(1);
      assertThat(drain(buffer)).containsExactly("a", "b");
    }
  }

  @Test
  void dropLowestPriorityTakesTheLeastImportantOnlyWhenThatMakesRoom() {
    OutboundBuffer<String> buffer =
        new OutboundBuffer<>(10, 100, OverflowStrategy.DROP_LOWEST_PRIORITY);
    buffer.add("p2", 25, 2);
    buffer.add("p0a", 25, 0);
    buffer.add("p1", 25, 1);
    buffer.add("p0b", 25, 0);
    // 75 bytes at priority 1: dropping both priority-0 messages leaves 50 + 75 > 100.
    OutboundBuffer.Overflow<String> refused = buffer.overflow("new1", 75, 1);
    assertThat(refused.accepted()).isFalse();
    assertThat(refused.dropped()).containsExactly("new1");
    assertThat(buffer.size()).isEqualTo(4);
    // At priority 3 it takes both priority-0 messages, oldest first, then the priority-1 one.
    OutboundBuffer.Overflow<String> taken = buffer.overflow("new3", 75, 3);
    assertThat(taken.accepted()).isTrue();
    assertThat(taken.dropped()).containsExactly("p0a", "p0b", "p1");
    assertThat(buffer.bytes()).isEqualTo(100);
    assertThat(drain(buffer)).containsExactly("p2", "new3");
    assertThat(buffer.dropped()).isEqualTo(4);
  }

  @Test
  void blockDoesNotOverflowItWaits() {
    OutboundBuffer<String> buffer = new OutboundBuffer<>(1, 100, OverflowStrategy.BLOCK);
    buffer.add("a", 1, 0);
    assertThatThrownBy(() -> buffer.overflow("b", 1, 0)).isInstanceOf(IllegalStateException.class);
    buffer.countTimedOut();
    buffer.countInterrupted();
    assertThat(buffer.dropped()).isEqualTo(2);
    assertThat(buffer.timedOut()).isEqualTo(1);
  }

  @Test
  void discardCountsWhatWasBufferedAndDescribesTheBounds() {
    OutboundBuffer<String> buffer = new OutboundBuffer<>(4, 100, OverflowStrategy.FAIL);
    buffer.add("a", 10, 0);
    buffer.add("b", 10, 0);
    assertThat(buffer.describeFull(90))
        .isEqualTo(
            "outbound buffer full: 2 messages / 20 bytes buffered, a 90-byte message does not fit"
                + " (bounds: 4 messages, 100 bytes); the receiver is reading slower than the"
                + " sender writes");
    buffer.discardAll();
    assertThat(buffer.isEmpty()).isTrue();
    assertThat(buffer.bytes()).isZero();
    assertThat(buffer.discarded()).isEqualTo(2);
  }

  @Test
  void lowWatermarkIsHalfOfEachBound() {
    OutboundBuffer<String> buffer = new OutboundBuffer<>(4, 100, OverflowStrategy.BLOCK);
    buffer.add("a", 10, 0);
    buffer.add("b", 10, 0);
    assertThat(buffer.belowLowWatermark()).isTrue();
    buffer.add("c", 10, 0);
    assertThat(buffer.belowLowWatermark()).isFalse(); // 3 > 4 / 2
    buffer.poll();
    buffer.poll();
    buffer.add("d", 45, 0);
    assertThat(buffer.belowLowWatermark()).isFalse(); // 55 bytes > 100 / 2
    assertThat(buffer.belowCountBound()).isTrue();
  }

  /**
   * Random offers, polls and discards for every non-blocking strategy: the bounds always hold and
   * every message offered is in exactly one place (polled, dropped, discarded or still buffered).
   */
  @Test
  void randomTrafficKeepsTheBoundsAndLosesNothingUncounted() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    for (OverflowStrategy strategy : OverflowStrategy.values()) {
      if (strategy == OverflowStrategy.BLOCK) {
        continue; // waiting is the sender's, covered by its own tests
      }
      for (int run = 0; run < 200; run++) {
        int maxMessages = 1 + random.nextInt(16);
        long maxBytes = 1 + random.nextInt(400);
        OutboundBuffer<String> buffer = new OutboundBuffer<>(maxMessages, maxBytes, strategy);
        long offered = 0;
        long polled = 0;
        long reportedDropped = 0;
        for (int op = 0; op < 300; op++) {
          int kind = random.nextInt(10);
          if (kind < 7) {
            int size = random.nextInt((int) maxBytes + 1);
            int priority = random.nextInt(4);
            offered++;
            if (!buffer.add("m" + op, size, priority)) {
              reportedDropped += buffer.overflow("m" + op, size, priority).dropped().size();
            }
          } else if (kind < 9) {
            if (buffer.poll() != null) {
              polled++;
            }
          } else if (random.nextInt(10) == 0) {
            buffer.discardAll();
          }
          String where = "seed " + seed + ", " + strategy + ", run " + run + ", op " + op;
          assertThat(buffer.size()).as(where).isLessThanOrEqualTo(maxMessages);
          assertThat(buffer.bytes()).as(where).isBetween(0L, maxBytes);
          assertThat(buffer.peakMessages()).as(where).isLessThanOrEqualTo(maxMessages);
          assertThat(buffer.peakBytes()).as(where).isLessThanOrEqualTo(maxBytes);
          assertThat(buffer.dropped()).as(where).isEqualTo(reportedDropped);
          assertThat(polled + buffer.dropped() + buffer.discarded() + buffer.size())
              .as(where)
              .isEqualTo(offered);
        }
      }
    }
  }
}
