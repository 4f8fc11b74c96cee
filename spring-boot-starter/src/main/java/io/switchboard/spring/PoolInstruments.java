package io.switchboard.spring;

import io.switchboard.core.metrics.Instrument;
import io.switchboard.core.metrics.MetricSink;
import io.switchboard.core.metrics.Registration;
import io.switchboard.pool.ChannelPool;
import io.switchboard.pool.PoolStats;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * The channel pools' counters, observed through Switchboard's metrics seam: each value is read from
 * the pool's snapshot when metrics are collected, and a client not used yet reads 0. Every
 * instrument has the attribute {@value #POOL} (the client's name).
 *
 * <table>
 *   <caption>Instruments</caption>
 *   <tr><th>name</th><th>kind</th><th>unit</th><th>what</th></tr>
 *   <tr><td>switchboard.pool.calls.started</td><td>observed counter</td><td>{call}</td>
 *       <td>calls started through the pool</td></tr>
 *   <tr><td>switchboard.pool.calls.failed</td><td>observed counter</td><td>{call}</td>
 *       <td>calls that closed with a status other than OK</td></tr>
 *   <tr><td>switchboard.pool.calls.active</td><td>observed up-down counter</td><td>{call}</td>
 *       <td>calls in flight</td></tr>
 *   <tr><td>switchboard.pool.channels.active</td><td>observed up-down counter</td>
 *       <td>{channel}</td><td>channels in rotation</td></tr>
 *   <tr><td>switchboard.pool.channel.changes</td><td>observed counter</td><td>{channel}</td>
 *       <td>channels added or removed, with {@value #CHANGE} = grown, shrunk, replaced or
 *       refreshed</td></tr>
 *   <tr><td>switchboard.pool.healthy</td><td>gauge</td><td>1</td>
 *       <td>1 if a channel in rotation is healthy, else 0</td></tr>
 * </table>
 */
final class PoolInstruments implements AutoCloseable {
  /** The attribute naming the pool: the client's name under {@code switchboard.pool.clients}. */
  static final String POOL = "switchboard.pool.name";

  /** The attribute saying why a channel came or went. */
  static final String CHANGE = "switchboard.pool.change";

  static final Instrument CALLS_STARTED =
      Instrument.observedCounter(
          "switchboard.pool.calls.started", "{call}", "Calls started through the pool.", POOL);
  static final Instrument CALLS_FAILED =
      Instrument.observedCounter(
          "switchboard.pool.calls.failed",
          "{call}",
          "Calls through the pool that closed with a status other than OK.",
          POOL);
  static final Instrument CALLS_ACTIVE =
      Instrument.observedUpDownCounter(
          "switchboard.pool.calls.active", "{call}", "Calls in flight through the pool.", POOL);
  static final Instrument CHANNELS_ACTIVE =
      Instrument.observedUpDownCounter(
          "switchboard.pool.channels.active",
          "{channel}",
          "Channels in the pool's rotation.",
          POOL);
  static final Instrument CHANNEL_CHANGES =
      Instrument.observedCounter(
          "switchboard.pool.channel.changes",
          "{channel}",
          "Channels added to or removed from the pool, by reason.",
          POOL,
          CHANGE);
  static final Instrument HEALTHY =
      Instrument.gauge(
          "switchboard.pool.healthy",
          "1",
          "1 if at least one channel in the pool's rotation is healthy, else 0.",
          POOL);

  private final List<Registration> registrations = new ArrayList<>();

  /** The callbacks, held here: a sink may keep only weak references to them. */
  private final List<LongSupplier> callbacks = new ArrayList<>();

  /** Registers the instruments of every configured client with the sink. */
  PoolInstruments(MetricSink sink, ChannelPools pools) {
    for (String name : pools.names()) {
      observe(sink, CALLS_STARTED, pools, name, PoolStats::callsStarted);
      observe(sink, CALLS_FAILED, pools, name, PoolStats::callsFailed);
      observe(sink, CALLS_ACTIVE, pools, name, PoolStats::callsInFlight);
      observe(sink, CHANNELS_ACTIVE, pools, name, PoolStats::activeChannels);
      observe(sink, HEALTHY, pools, name, s -> s.healthy() ? 1 : 0);
      observe(sink, CHANNEL_CHANGES, pools, name, PoolStats::grown, "grown");
      observe(sink, CHANNEL_CHANGES, pools, name, PoolStats::shrunk, "shrunk");
      observe(sink, CHANNEL_CHANGES, pools, name, PoolStats::replaced, "replaced");
      observe(sink, CHANNEL_CHANGES, pools, name, PoolStats::refreshed, "refreshed");
    }
  }

  private void observe(
      MetricSink sink,
      Instrument instrument,
      ChannelPools pools,
      String name,
      ToLongFunction<PoolStats> read,
      String... moreValues) {
    LongSupplier value =
        () -> pools.ifBuilt(name).map(ChannelPool::stats).map(read::applyAsLong).orElse(0L);
    String[] values = new String[1 + moreValues.length];
    values[0] = name;
    System.arraycopy(moreValues, 0, values, 1, moreValues.length);
    callbacks.add(value);
    registrations.add(sink.observe(instrument, value, values));
  }

  /** Removes the instruments from the sink. */
  @Override
  public void close() {
    registrations.forEach(Registration::close);
    registrations.clear();
    callbacks.clear();
  }
}
