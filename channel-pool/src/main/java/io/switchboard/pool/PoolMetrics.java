package io.switchboard.pool;

import io.grpc.ConnectivityState;
import io.switchboard.core.metrics.BoundCounter;
import io.switchboard.core.metrics.BoundHistogram;
import io.switchboard.core.metrics.Instrument;
import io.switchboard.core.metrics.MetricSink;
import io.switchboard.core.metrics.Registration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * A pool's instruments (see the README's metrics table). Totals the pool keeps anyway are observed
 * from {@link ChannelPool#stats()} when metrics are collected, so calls pay nothing; health checks
 * and warm-ups, which happen off the call path, are recorded as they end.
 */
final class PoolMetrics {
  static final String POOL = "switchboard.pool";
  static final String ROLE = "switchboard.channel.role";
  static final String STATE = "switchboard.channel.state";
  static final String EVENT = "switchboard.pool.event";
  static final String RESULT = "switchboard.health_check.result";

  static final Instrument CHANNELS =
      Instrument.observedUpDownCounter(
          "switchboard.pool.channels",
          "{channel}",
          "Channels the pool holds, by role (active, warming, draining) and connectivity state.",
          POOL,
          ROLE,
          STATE);
  static final Instrument CALLS_IN_FLIGHT =
      Instrument.observedUpDownCounter(
          "switchboard.pool.calls.in_flight",
          "{call}",
          "Calls started through the pool and not yet closed.",
          POOL);
  static final Instrument PICKS =
      Instrument.observedCounter(
          "switchboard.pool.picks", "{pick}", "Channels picked for a call (one per call).", POOL);
  static final Instrument CHANNEL_EVENTS =
      Instrument.observedCounter(
          "switchboard.pool.channel.events",
          "{event}",
          "Channels added (grown), removed (shrunk), replaced when unhealthy, refreshed at max age.",
          POOL,
          EVENT);
  static final Instrument HEALTH_CHECKS =
      Instrument.counter(
          "switchboard.pool.health_checks",
          "{check}",
          "grpc.health.v1 checks by result: serving, not_serving (another status) or failed.",
          POOL,
          RESULT);
  static final Instrument WARM_UP_DURATION =
      Instrument.histogram(
          "switchboard.pool.channel.warm_up.duration",
          "s",
          "Time from creating a channel to its joining the rotation (READY, and SERVING if checked).",
          POOL);

  /** Every instrument of the pool, for the README's table and its test. */
  static final List<Instrument> ALL =
      List.of(CHANNELS, CALLS_IN_FLIGHT, PICKS, CHANNEL_EVENTS, HEALTH_CHECKS, WARM_UP_DURATION);

  private final MetricSink sink;
  private final List<Registration> registrations = new ArrayList<>();
  // Bound in start(), before the maintenance thread's first task, which submission publishes.
  private BoundCounter checksServing = n -> {};
  private BoundCounter checksNotServing = n -> {};
  private BoundCounter checksFailed = n -> {};
  private BoundHistogram warmUp = v -> {};

  PoolMetrics(MetricSink sink) {
    this.sink = sink;
  }

  /** Binds the instruments to the pool's name and observes its stats; once, when it is built. */
  void start(String pool, Supplier<PoolStats> stats) {
    checksServing = sink.counter(HEALTH_CHECKS, pool, "serving");
    checksNotServing = sink.counter(HEALTH_CHECKS, pool, "not_serving");
    checksFailed = sink.counter(HEALTH_CHECKS, pool, "failed");
    warmUp = sink.histogram(WARM_UP_DURATION, pool);
    if (sink.isNoop()) {
      return;
    }
    for (ChannelStats.Role role : ChannelStats.Role.values()) {
      for (ConnectivityState state : ConnectivityState.values()) {
        registrations.add(
            sink.observe(
                CHANNELS,
                () ->
                    stats.get().channels().stream()
                        .filter(c -> c.role() == role && c.state() == state)
                        .count(),
                pool,
                role.name().toLowerCase(Locale.ROOT),
                state.name()));
      }
    }
    registrations.add(sink.observe(CALLS_IN_FLIGHT, () -> stats.get().callsInFlight(), pool));
    registrations.add(sink.observe(PICKS, () -> stats.get().callsStarted(), pool));
    observeEvent(pool, "grown", stats, PoolStats::grown);
    observeEvent(pool, "shrunk", stats, PoolStats::shrunk);
    observeEvent(pool, "replaced", stats, PoolStats::replaced);
    observeEvent(pool, "refreshed", stats, PoolStats::refreshed);
  }

  /** A health check answered: SERVING or another status. */
  void checkAnswered(boolean serving) {
    (serving ? checksServing : checksNotServing).increment();
  }

  /** A health check failed: an error, the deadline, or it could not start. */
  void checkFailed() {
    checksFailed.increment();
  }

  /** A warming channel joined the rotation this long after it was created. */
  void warmedUp(long nanos) {
    warmUp.recordNanos(nanos);
  }

  private void observeEvent(
      String pool, String event, Supplier<PoolStats> stats, ToLongFunction<PoolStats> count) {
    registrations.add(
        sink.observe(CHANNEL_EVENTS, () -> count.applyAsLong(stats.get()), pool, event));
  }

  /** Stops the observations: a shut-down pool leaves no series behind. */
  void close() {
    registrations.forEach(Registration::close);
  }
}
