package io.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ConnectivityState;
import io.switchboard.pool.ChannelStats.Role;
import java.util.HashMap;
import java.util.IntSummaryStatistics;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The picker on its own, over channels whose load and health the test sets. */
class PickerTest {
  /** High enough that no channel counts as full: only the picking itself is under test. */
  static final int NEVER_FULL = 1_000_000;

  static PooledChannel[] channels(int count) {
    return IntStream.rangeClosed(1, count)
        .mapToObj(
            id ->
                new PooledChannel(
                    id,
                    new FakeChannel("c" + id),
                    0,
                    Long.MAX_VALUE,
                    Role.ACTIVE,
                    new LongAdder(),
                    new LongAdder()))
        .toArray(PooledChannel[]::new);
  }

  static void load(PooledChannel channel, int calls) {
    for (int i = 0; i < calls; i++) {
      assertThat(channel.retain()).isTrue();
    }
  }

  static void makeUnhealthy(PooledChannel channel) {
    channel.onStateChange(ConnectivityState.TRANSIENT_FAILURE, false, 1);
  }

  static Map<Integer, Integer> countPicks(Picker picker, PooledChannel[] channels, int picks) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (PooledChannel channel : channels) {
      counts.put(channel.id, 0);
    }
    for (int i = 0; i < picks; i++) {
      counts.merge(picker.pick(channels).id, 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void spreadsTiesOverEveryChannelWithoutFavouringAnIndex() {
    // Equal loads: each pick is a tie, won by the first random draw, so every channel gets about
    // a quarter (2000 ± 39 for one standard deviation). Always picking the first channel, or the
    // lower index of the two draws, fails this.
    Map<Integer, Integer> counts = countPicks(new Picker(NEVER_FULL), channels(4), 8000);
    assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(1700, 2300));
  }

  @Test
  void keepsLoadsWithinAFewCallsOfEachOtherAsCallsArrive() {
    // Power of two choices keeps the gap between the most and least loaded channel at a few calls;
    // one random choice lets it grow with the square root of the calls (about 50 here), always
    // picking one channel puts all 4000 on it.
    PooledChannel[] channels = channels(4);
    Picker picker = new Picker(NEVER_FULL);
    for (int i = 0; i < 4000; i++) {
      assertThat(picker.pick(channels).retain()).isTrue();
    }
    IntSummaryStatistics loads =
        IntStream.range(0, 4).map(i -> channels[i].inFlight()).summaryStatistics();
    assertThat(loads.getSum()).isEqualTo(4000);
    assertThat(loads.getMax() - loads.getMin()).as(loads.toString()).isLessThanOrEqualTo(8);
  }

  @Test
  void picksTheLessLoadedOfTwoDrawsSoTheMostLoadedNeverWins() {
    PooledChannel[] channels = channels(4);
    for (int i = 0; i < 4; i++) {
      load(channels[i], i); // loads 0, 1, 2, 3
    }
    // Of the 6 pairs, channel 1 wins 3, channel 2 wins 2, channel 3 wins 1, channel 4 none.
    Map<Integer, Integer> counts = countPicks(new Picker(NEVER_FULL), channels, 6000);
    assertThat(counts.get(4)).isZero();
    assertThat(counts.get(1)).isBetween(2700, 3300);
    assertThat(counts.get(2)).isBetween(1700, 2300);
    assertThat(counts.get(3)).isBetween(800, 1200);
  }

  @Test
  void healthyChannelsWinOverLessLoadedUnhealthyOnesAndNoneHealthyFailsOpen() {
    PooledChannel[] channels = channels(3);
    load(channels[0], 50);
    makeUnhealthy(channels[1]);
    makeUnhealthy(channels[2]);
    Picker picker = new Picker(NEVER_FULL);
    assertThat(countPicks(picker, channels, 300).get(1)).isEqualTo(300);

    makeUnhealthy(channels[0]);
    // No channel healthy: the call still goes out, to the least loaded.
    assertThat(countPicks(picker, channels, 300).get(1)).isZero();
  }

  @Test
  void aFullChoiceFallsBackToTheRoomiestHealthyChannelAndSaysWhenAllAreFull() {
    PooledChannel[] channels = channels(4);
    Picker picker = new Picker(2);
    load(channels[0], 2);
    load(channels[1], 2);
    load(channels[2], 2);
    assertThat(countPicks(picker, channels, 200).get(4)).isEqualTo(200);
    assertThat(picker.isFull(channels[3])).isFalse();

    load(channels[3], 2);
    PooledChannel picked = picker.pick(channels);
    assertThat(picker.isFull(picked)).as("every channel full: the pool may grow").isTrue();
    assertThat(new Picker(2).pick(new PooledChannel[0])).isNull();
  }

  @Test
  void anAffinityKeySticksToOneChannelAndMovesOnlyWhileItIsUnhealthy() {
    PooledChannel[] channels = channels(4);
    PooledChannel home = Picker.byAffinity(channels, "user-42");
    for (int i = 0; i < 50; i++) {
      load(home, 1); // load does not move a key
      assertThat(Picker.byAffinity(channels, "user-42")).isSameAs(home);
    }
    makeUnhealthy(home);
    PooledChannel away = Picker.byAffinity(channels, "user-42");
    assertThat(away).isNotSameAs(home);
    home.onStateChange(ConnectivityState.READY, false, 2);
    assertThat(Picker.byAffinity(channels, "user-42")).isSameAs(home);

    // Many keys spread over the channels.
    Map<Integer, Integer> perChannel = new HashMap<>();
    for (int key = 0; key < 4000; key++) {
      perChannel.merge(Picker.byAffinity(channels, key).id, 1, Integer::sum);
    }
    assertThat(perChannel.values()).hasSize(4).allSatisfy(n -> assertThat(n).isBetween(800, 1200));
  }
}
