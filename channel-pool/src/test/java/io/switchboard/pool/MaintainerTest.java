package io.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.switchboard.core.metrics.MetricSink;
import io.switchboard.pool.ChannelStats.Health;
import io.switchboard.pool.ChannelStats.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The maintainer on its own: fake channels whose state the test sets, a clock the test moves, and
 * passes run by the test ({@link Maintainer#maintainOnce}), so every step is observed in order.
 */
class MaintainerTest {
  static final long MS = 1_000_000;

  final AtomicLong clock = new AtomicLong(1_000_000 * MS);
  final List<FakeChannel> made = new ArrayList<>();
  final List<Runnable> passesAsked = new ArrayList<>();
  int stateChanges;

  Maintainer maintainer(UnaryOperator<ChannelPool.Builder> settings) {
    ChannelPool.Builder builder =
        settings.apply(
            ChannelPool.newBuilder(() -> null) // channels come from the fake factory below
                .maintenanceInterval(Duration.ofMillis(10)));
    return new Maintainer(
        new PoolSettings(builder),
        this::newChannel,
        new Picker(new PoolSettings(builder).callsPerChannel),
        passesAsked::add,
        () -> stateChanges++,
        new PoolMetrics(MetricSink.noop()),
        clock::get);
  }

  ManagedChannel newChannel() {
    FakeChannel channel = new FakeChannel("c" + (made.size() + 1));
    made.add(channel);
    return channel;
  }

  FakeChannel fake(int id) {
    return made.get(id - 1);
  }

  static List<Integer> ids(PooledChannel[] channels) {
    return Arrays.stream(channels).map(c -> c.id).toList();
  }

  static ChannelStats stats(Maintainer maintainer, int id) {
    return maintainer.stats(false, true).channels().stream()
        .filter(c -> c.id() == id)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no channel " + id));
  }

  /** A one-channel maintainer whose channel is READY, after three passes without calls. */
  Maintainer connectedAfterThreeQuietPasses() {
    Maintainer maintainer = maintainer(b -> b);
    fake(1).setState(ConnectivityState.READY);
    for (int i = 0; i < 3; i++) {
      maintainer.maintainOnce(advance(Duration.ofMillis(10)));
    }
    return maintainer;
  }

  long advance(Duration by) {
    return clock.addAndGet(by.toNanos());
  }

  @Test
  void startsMinChannelsAndAsksEachToConnect() {
    Maintainer maintainer = maintainer(b -> b.minChannels(3).maxChannels(3));
    assertThat(ids(maintainer.active())).containsExactly(1, 2, 3);
    assertThat(made).allSatisfy(c -> assertThat(c.connectRequests()).isEqualTo(1));
    assertThat(maintainer.authority()).isEqualTo("c1");
  }

  @Test
  void refreshSwapsInTheFreshChannelOnlyOnceItIsReady() {
    Maintainer maintainer = maintainer(b -> b.maxChannelAge(Duration.ofSeconds(60)));
    fake(1).setState(ConnectivityState.READY);

    maintainer.maintainOnce(advance(Duration.ofSeconds(30)));
    assertThat(made).as("not due before maxChannelAge minus jitter").hasSize(1);

    maintainer.maintainOnce(advance(Duration.ofSeconds(31)));
    assertThat(made).as("due: a fresh channel warms up").hasSize(2);
    assertThat(fake(2).connectRequests()).isEqualTo(1);
    assertThat(stats(maintainer, 2).role()).isEqualTo(Role.WARMING);

    // However many passes run, a fresh channel that is not READY stays out of the rotation.
    for (int i = 0; i < 5; i++) {
      maintainer.maintainOnce(advance(Duration.ofMillis(10)));
      assertThat(ids(maintainer.active())).containsExactly(1);
    }
    fake(2).setState(ConnectivityState.TRANSIENT_FAILURE);
    maintainer.maintainOnce(advance(Duration.ofMillis(10)));
    assertThat(ids(maintainer.active())).containsExactly(1);
    assertThat(passesAsked).isEmpty();

    fake(2).setState(ConnectivityState.READY);
    assertThat(passesAsked).as("READY asks for a pass at once").hasSize(1);
    maintainer.maintainOnce(advance(Duration.ofMillis(1)));
    assertThat(ids(maintainer.active())).containsExactly(2);
    assertThat(stats(maintainer, 2).role()).isEqualTo(Role.ACTIVE);
    assertThat(fake(1).isShutdown()).as("the old channel had no calls: shut down").isTrue();
    assertThat(maintainer.stats(false, true).refreshed()).isEqualTo(1);
    assertThat(maintainer.stats(false, true).replaced()).isZero();
  }

  @Test
  void anOldChannelWithCallsDrainsUntilItsLastCallEnds() {
    Maintainer maintainer = maintainer(b -> b.maxChannelAge(Duration.ofSeconds(60)));
    fake(1).setState(ConnectivityState.READY);
    PooledChannel old = maintainer.active()[0];
    assertThat(old.retain()).isTrue();
    maintainer.maintainOnce(advance(Duration.ofSeconds(61)));
    fake(2).setState(ConnectivityState.READY);
    maintainer.maintainOnce(advance(Duration.ofMillis(1)));

    assertThat(ids(maintainer.active())).containsExactly(2);
    assertThat(stats(maintainer, 1).role()).isEqualTo(Role.DRAINING);
    assertThat(old.retain()).as("a draining channel takes no new call").isFalse();
    assertThat(fake(1).isShutdown()).isFalse();
    old.release(io.grpc.Status.OK);
    assertThat(fake(1).isShutdown()).isTrue();
  }

  @Test
  void aChannelUnhealthyForReplaceUnhealthyAfterIsReplacedOnceItsReplacementIsReady() {
    Maintainer maintainer = maintainer(b -> b.replaceUnhealthyAfter(Duration.ofSeconds(10)));
    fake(1).setState(ConnectivityState.READY);
    maintainer.maintainOnce(advance(Duration.ofSeconds(1)));
    fake(1).setState(ConnectivityState.TRANSIENT_FAILURE);
    assertThat(stats(maintainer, 1).health()).isEqualTo(Health.UNHEALTHY);

    maintainer.maintainOnce(advance(Duration.ofMillis(9_999)));
    assertThat(made).as("not yet unhealthy for 10 s").hasSize(1);
    maintainer.maintainOnce(advance(Duration.ofMillis(1)));
    assertThat(made).hasSize(2);
    assertThat(ids(maintainer.active())).containsExactly(1);

    fake(2).setState(ConnectivityState.READY);
    maintainer.maintainOnce(advance(Duration.ofMillis(1)));
    assertThat(ids(maintainer.active())).containsExactly(2);
    assertThat(fake(1).isShutdown()).isTrue();
    assertThat(maintainer.stats(false, true).replaced()).isEqualTo(1);
    assertThat(maintainer.stats(false, true).refreshed()).isZero();
  }

  @Test
  void aChannelThatHealsInTimeIsNotReplaced() {
    Maintainer maintainer = maintainer(b -> b.replaceUnhealthyAfter(Duration.ofSeconds(10)));
    fake(1).setState(ConnectivityState.READY);
    fake(1).setState(ConnectivityState.TRANSIENT_FAILURE);
    maintainer.maintainOnce(advance(Duration.ofSeconds(9)));
    fake(1).setState(ConnectivityState.READY);
    maintainer.maintainOnce(advance(Duration.ofSeconds(5)));
    assertThat(made).hasSize(1);
    assertThat(stats(maintainer, 1).health()).isEqualTo(Health.HEALTHY);
  }

  @Test
  void aReplacementNotReadyWithinWarmUpTimeoutIsDroppedAndTriedAgainLater() {
    Maintainer maintainer =
        maintainer(
            b ->
                b.replaceUnhealthyAfter(Duration.ofSeconds(10))
                    .warmUpTimeout(Duration.ofSeconds(20)));
    fake(1).setState(ConnectivityState.READY);
    fake(1).setState(ConnectivityState.TRANSIENT_FAILURE);
    maintainer.maintainOnce(advance(Duration.ofSeconds(10)));
    assertThat(made).hasSize(2);

    maintainer.maintainOnce(advance(Duration.ofSeconds(20)));
    assertThat(fake(2).isShutdown()).as("not ready in 20 s: dropped").isTrue();
    assertThat(ids(maintainer.active())).containsExactly(1);
    maintainer.maintainOnce(advance(Duration.ofSeconds(9)));
    assertThat(made).as("next attempt after replaceUnhealthyAfter").hasSize(2);
    maintainer.maintainOnce(advance(Duration.ofSeconds(1)));
    assertThat(made).hasSize(3);
  }

  @Test
  void growsWhenEveryChannelIsFullThenShrinksAfterIdleTimeout() {
    Maintainer maintainer =
        maintainer(b -> b.callsPerChannel(2).maxChannels(3).idleTimeout(Duration.ofSeconds(60)));
    List<PooledChannel> retained = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      PooledChannel channel = new Picker(2).pick(maintainer.active());
      if (new Picker(2).isFull(channel)) {
        channel = maintainer.grow();
      }
      assertThat(channel.retain()).isTrue();
      retained.add(channel);
    }
    assertThat(ids(maintainer.active())).containsExactly(1, 2, 3);
    assertThat(maintainer.grow()).as("at maxChannels").isNull();
    assertThat(maintainer.stats(false, true).grown()).isEqualTo(2);
    maintainer.maintainOnce(advance(Duration.ofSeconds(1))); // sees the peak of 6

    retained.forEach(c -> c.release(io.grpc.Status.OK));
    maintainer.maintainOnce(advance(Duration.ofSeconds(58)));
    assertThat(maintainer.active()).as("not yet idleTimeout since growing").hasSize(3);
    maintainer.maintainOnce(advance(Duration.ofSeconds(2)));
    assertThat(maintainer.active()).as("the window's peak of 6 needs 3 channels").hasSize(3);
    // A new window began then; at its end, its peak of 0 fits in minChannels.
    maintainer.maintainOnce(advance(Duration.ofSeconds(61)));
    assertThat(maintainer.active()).hasSize(1);
    assertThat(maintainer.stats(false, true).shrunk()).isEqualTo(2);
  }

  @Test
  void aBurstInEveryIdleTimeoutWindowKeepsTheRotationHoweverIdleThePoolIsBetween() {
    // What PoolStressTest met on a loaded machine: callers pause out of phase, so the pool is idle
    // most of the time but no whole window is. Shrinking goes by a window's peak, so the rotation
    // stays until a whole idleTimeout window passes without a call.
    Maintainer maintainer =
        maintainer(b -> b.callsPerChannel(2).maxChannels(3).idleTimeout(Duration.ofMillis(100)));
    List<PooledChannel> held = new ArrayList<>();
    while (maintainer.active().length < 3) { // fill every channel, so that the pool grows
      for (PooledChannel channel : maintainer.active()) {
        while (channel.inFlight() < 2) {
          assertThat(channel.retain()).isTrue();
          held.add(channel);
        }
      }
      assertThat(maintainer.grow()).isNotNull();
    }
    held.forEach(c -> c.release(io.grpc.Status.OK));
    for (int pass = 1; pass <= 100; pass++) { // 1 s of passes; six calls at one pass in five
      List<PooledChannel> burst = new ArrayList<>();
      if (pass % 5 == 2) { // never the pass that ends a window: only the peak can keep it
        for (PooledChannel channel : maintainer.active()) {
          for (int call = 0; call < 2; call++) {
            assertThat(channel.retain()).isTrue();
            burst.add(channel);
          }
        }
      }
      maintainer.maintainOnce(advance(Duration.ofMillis(10)));
      burst.forEach(c -> c.release(io.grpc.Status.OK));
      assertThat(maintainer.active()).as("pass %d", pass).hasSize(3);
    }
    for (int pass = 0; pass < 20; pass++) { // a whole window without calls, wherever it starts
      maintainer.maintainOnce(advance(Duration.ofMillis(10)));
    }
    assertThat(maintainer.active()).hasSize(1);
    assertThat(maintainer.stats(false, true).shrunk()).isEqualTo(2);
  }

  @Test
  void aChannelThatGoesIdleWhileThePoolRestsIsLeftIdleAndHealthy() {
    Maintainer maintainer = connectedAfterThreeQuietPasses();

    // No call for two passes: the server closes the idle connection (GOAWAY, MOBILE's idle close).
    fake(1).setState(ConnectivityState.IDLE);
    assertThat(fake(1).connectRequests()).as("not reconnected").isEqualTo(1);
    assertThat(stats(maintainer, 1).health()).isEqualTo(Health.HEALTHY);
    maintainer.maintainOnce(advance(Duration.ofMinutes(10)));
    assertThat(made).as("an idle channel is not replaced").hasSize(1);
  }

  @Test
  void aChannelThatLosesItsConnectionWhileThePoolIsBusyReconnectsAtOnce() {
    Maintainer maintainer = connectedAfterThreeQuietPasses();
    PooledChannel channel = maintainer.active()[0];
    assertThat(channel.retain()).isTrue();

    fake(1).setState(ConnectivityState.IDLE);
    assertThat(fake(1).connectRequests()).as("reconnected at once").isEqualTo(2);
    assertThat(stats(maintainer, 1).health()).isEqualTo(Health.UNHEALTHY);
    fake(1).setState(ConnectivityState.READY);
    assertThat(stats(maintainer, 1).health()).isEqualTo(Health.HEALTHY);
    assertThat(stateChanges).isPositive();
  }

  @Test
  void callsStartedSinceTheLastPassCountAsBusy() {
    Maintainer maintainer = connectedAfterThreeQuietPasses();
    PooledChannel channel = maintainer.active()[0];
    assertThat(channel.retain()).isTrue();
    channel.onStarted();
    channel.release(io.grpc.Status.OK); // a call came and went since the last pass

    fake(1).setState(ConnectivityState.IDLE);
    assertThat(fake(1).connectRequests()).isEqualTo(2);
  }
}
