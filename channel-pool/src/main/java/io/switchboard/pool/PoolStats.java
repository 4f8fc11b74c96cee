package io.switchboard.pool;

import io.switchboard.core.ExperimentalApi;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A pool's channels and counters at one moment, from {@link ChannelPool#stats()}. The values are
 * read one by one while calls go on, so sums may be off by the calls that moved meanwhile.
 *
 * @param name the pool's name (its target, unless set otherwise)
 * @param shutdown whether the pool was shut down
 * @param healthy whether at least one channel in rotation is healthy (see {@link
 *     ChannelPool#isHealthy()})
 * @param channels every channel the pool holds: in rotation, warming up and draining
 * @param grown channels added because every channel carried the calls-per-channel threshold
 * @param shrunk channels removed because the pool had been oversized for the idle period
 * @param replaced unhealthy channels replaced by fresh ones
 * @param refreshed channels replaced because they reached their maximum age
 * @param callsStarted calls started through the pool since it was built, on every channel it ever
 *     held (the channels' own counts leave the stats with the channels)
 * @param callsFailed calls through the pool that closed with a status other than OK, on every
 *     channel it ever held
 */
@ExperimentalApi("components may be added as the metrics seam grows (issue 12)")
public record PoolStats(
    String name,
    boolean shutdown,
    boolean healthy,
    List<ChannelStats> channels,
    long grown,
    long shrunk,
    long replaced,
    long refreshed,
    long callsStarted,
    long callsFailed) {

  /**
   * Checks and copies the components.
   *
   * @throws NullPointerException if the name, the list or an element is null
   */
  public PoolStats {
    Objects.requireNonNull(name, "name");
    channels = List.copyOf(channels);
  }

  /** Returns the calls in flight over all channels. */
  public int callsInFlight() {
    return channels.stream().mapToInt(ChannelStats::callsInFlight).sum();
  }

  /** Returns the number of channels in rotation ({@link ChannelStats.Role#ACTIVE}). */
  public int activeChannels() {
    return (int) channels.stream().filter(c -> c.role() == ChannelStats.Role.ACTIVE).count();
  }

  /** Returns a small fixed-width table of the channels and the counters, for logs and demos. */
  public String toTable() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "pool %s: %s, %d active, grown %d, shrunk %d, replaced %d, refreshed %d,"
                + " calls started %d, failed %d%n",
            name,
            shutdown ? "SHUT DOWN" : healthy ? "healthy" : "UNHEALTHY",
            activeChannels(),
            grown,
            shrunk,
            replaced,
            refreshed,
            callsStarted,
            callsFailed));
    out.append(
        String.format(
            Locale.ROOT,
            "  %4s  %-8s  %-17s  %-9s  %9s  %9s  %7s  %8s%n",
            "id",
            "role",
            "state",
            "health",
            "in flight",
            "started",
            "failed",
            "age"));
    for (ChannelStats c : channels) {
      out.append(
          String.format(
              Locale.ROOT,
              "  %4d  %-8s  %-17s  %-9s  %9d  %9d  %7d  %7.1fs%n",
              c.id(),
              c.role(),
              c.state(),
              c.health(),
              c.callsInFlight(),
              c.callsStarted(),
              c.callsFailed(),
              c.age().toMillis() / 1000.0));
    }
    return out.toString();
  }
}
