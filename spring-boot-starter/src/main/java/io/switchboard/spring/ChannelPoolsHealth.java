package io.switchboard.spring;

import io.switchboard.pool.ChannelStats;
import io.switchboard.pool.PoolStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Actuator health of the channel pools: one component per configured client, named after it.
 *
 * <ul>
 *   <li>UP: at least one channel in rotation is healthy;
 *   <li>DOWN: none is (calls still go out: the pool fails open, so grpc reports the real error);
 *   <li>OUT_OF_SERVICE: the pool was shut down;
 *   <li>UNKNOWN: the client was not used yet, so its pool is not built.
 * </ul>
 *
 * Details: the target, calls in flight, started and failed, the channels in rotation, and each
 * channel's state and health.
 */
final class ChannelPoolsHealth {
  private ChannelPoolsHealth() {}

  static CompositeHealthContributor contributor(ChannelPools pools) {
    Map<String, HealthIndicator> indicators = new LinkedHashMap<>();
    for (String name : pools.names()) {
      indicators.put(name, () -> health(pools, name));
    }
    return CompositeHealthContributor.fromMap(indicators);
  }

  static Health health(ChannelPools pools, String name) {
    return pools
        .ifBuilt(name)
        .map(pool -> health(pool.stats()))
        .orElseGet(
            () ->
                Health.unknown()
                    .withDetail("target", pools.configuredTarget(name))
                    .withDetail("pool", "not built yet: built on the client's first use")
                    .build());
  }

  private static Health health(PoolStats snapshot) {
    Health.Builder health =
        snapshot.shutdown()
            ? Health.outOfService()
            : snapshot.healthy() ? Health.up() : Health.down();
    List<Map<String, Object>> channels =
        snapshot.channels().stream().map(ChannelPoolsHealth::channel).toList();
    return health
        .withDetail("activeChannels", snapshot.activeChannels())
        .withDetail("callsInFlight", snapshot.callsInFlight())
        .withDetail("callsStarted", snapshot.callsStarted())
        .withDetail("callsFailed", snapshot.callsFailed())
        .withDetail("channels", channels)
        .build();
  }

  private static Map<String, Object> channel(ChannelStats channel) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("id", channel.id());
    details.put("role", channel.role().name());
    details.put("state", channel.state().name());
    details.put("health", channel.health().name());
    details.put("callsInFlight", channel.callsInFlight());
    return details;
  }
}
