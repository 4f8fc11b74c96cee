package io.switchboard.pool;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.switchboard.core.metrics.MetricSink;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The settings of one {@link ChannelPool}, fixed when {@link ChannelPool.Builder#build()} copies
 * them out of the builder (which stays free to change and build again). Immutable; {@link
 * #toBuilder()} gives a builder that starts from them.
 */
final class PoolSettings {
  /** The target given to {@link ChannelPool#newBuilder(String)}, or null. */
  final String target;

  final Supplier<? extends ManagedChannelBuilder<?>> channelBuilders;

  /** The name set in the builder, or null to derive it from the target or authority. */
  final String name;

  final boolean plaintext;

  /** Null: grpc's keepalive defaults. */
  final ClientKeepAlive keepAlive;

  /** Null: none. */
  final Consumer<ManagedChannelBuilder<?>> customizer;

  final int minChannels;
  final int maxChannels;

  /** Calls in flight per channel at which the pool grows, derived when not set. */
  final int callsPerChannel;

  /** The setting as given: 0 when derived. */
  final int callsPerChannelSetting;

  /** 0: unknown. */
  final int maxConcurrentStreams;

  final Duration idleTimeout;

  /** Null: channels are never refreshed. */
  final Duration maxChannelAge;

  final Duration replaceUnhealthyAfter;
  final Duration warmUpTimeout;
  final Duration maintenanceInterval;

  /** Null: no health checks. */
  final String healthService;

  final Duration healthCheckInterval;
  final Duration healthCheckTimeout;

  /** {@link MetricSink#noop()} unless set. */
  final MetricSink metrics;

  PoolSettings(ChannelPool.Builder builder) {
    this.target = builder.target;
    this.channelBuilders = builder.channelBuilders;
    this.name = builder.name;
    this.plaintext = builder.plaintext;
    this.keepAlive = builder.keepAlive;
    this.customizer = builder.customizer;
    this.minChannels = builder.minChannels;
    this.maxChannels = builder.maxChannels;
    this.callsPerChannelSetting = builder.callsPerChannel;
    this.maxConcurrentStreams = builder.maxConcurrentStreams;
    this.callsPerChannel =
        builder.callsPerChannel > 0
            ? builder.callsPerChannel
            : builder.maxConcurrentStreams > 0
                ? builder.maxConcurrentStreams
                : ChannelPool.DEFAULT_CALLS_PER_CHANNEL;
    this.idleTimeout = builder.idleTimeout;
    this.maxChannelAge = builder.maxChannelAge;
    this.replaceUnhealthyAfter = builder.replaceUnhealthyAfter;
    this.warmUpTimeout = builder.warmUpTimeout;
    this.maintenanceInterval = builder.maintenanceInterval;
    this.healthService = builder.healthService;
    this.healthCheckInterval = builder.healthCheckInterval;
    this.healthCheckTimeout = builder.healthCheckTimeout;
    this.metrics = builder.metrics;
  }

  /** Returns a builder holding these settings. */
  ChannelPool.Builder toBuilder() {
    return new ChannelPool.Builder(this);
  }

  /** Returns the pool's name: the one set, else the target, else the given authority. */
  String nameOr(String authority) {
    return name != null ? name : target != null ? target : authority;
  }

  /**
   * Builds one channel: a fresh builder from the supplier, then plaintext, keepalive and the
   * customizer, in that order.
   *
   * @throws NullPointerException if the supplier returned null
   * @throws RuntimeException whatever the supplier, the customizer or {@code build()} throws
   */
  ManagedChannel newChannel() {
    ManagedChannelBuilder<?> builder =
        Objects.requireNonNull(channelBuilders.get(), "channelBuilders returned null");
    if (plaintext) {
      builder.usePlaintext();
    }
    if (keepAlive != null) {
      keepAlive.applyTo(builder);
    }
    if (customizer != null) {
      customizer.accept(builder);
    }
    return builder.build();
  }
}
