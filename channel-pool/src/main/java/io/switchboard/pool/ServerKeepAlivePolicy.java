package io.switchboard.pool;

import io.grpc.netty.NettyServerBuilder;
import io.switchboard.core.internal.Checks;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * What a grpc-java server accepts from clients' keepalive, and how long it keeps connections: the
 * server half of a {@link KeepAlivePreset}. Apply it with {@link #applyTo(NettyServerBuilder)}.
 *
 * @param permitKeepAliveTime the shortest interval between client pings the server accepts; a
 *     faster ping is a strike, and the third strike closes the connection with GOAWAY
 *     "too_many_pings" (grpc-java's KeepAliveEnforcer; the count resets when the server sends data)
 * @param permitKeepAliveWithoutCalls whether clients may ping while they have no calls
 * @param maxConnectionIdle close a connection with no calls after this long ({@link #NEVER}: never)
 * @param maxConnectionAge close (GOAWAY) every connection after this long, so clients reconnect and
 *     load spreads over new servers ({@link #NEVER}: never)
 * @param maxConnectionAgeGrace how long calls in flight may go on after that GOAWAY ({@link
 *     #NEVER}: as long as they take)
 */
public record ServerKeepAlivePolicy(
    Duration permitKeepAliveTime,
    boolean permitKeepAliveWithoutCalls,
    Duration maxConnectionIdle,
    Duration maxConnectionAge,
    Duration maxConnectionAgeGrace) {

  /** A duration that stands for "never" / "no limit": the setting is left at grpc's infinite. */
  public static final Duration NEVER = ChronoUnit.FOREVER.getDuration();

  /**
   * grpc-java's server defaults: pings at most every 5 minutes, none without calls, connections
   * kept forever.
   */
  public static final ServerKeepAlivePolicy GRPC_DEFAULTS =
      new ServerKeepAlivePolicy(Duration.ofMinutes(5), false, NEVER, NEVER, NEVER);

  /**
   * Checks the components.
   *
   * @throws NullPointerException if a duration is null
   * @throws IllegalArgumentException if permitKeepAliveTime is negative or another duration is not
   *     positive
   */
  public ServerKeepAlivePolicy {
    Objects.requireNonNull(permitKeepAliveTime, "permitKeepAliveTime");
    if (permitKeepAliveTime.isNegative()) {
      throw new IllegalArgumentException(
          "permitKeepAliveTime: " + permitKeepAliveTime + " (expected: >= 0)");
    }
    Checks.positive("maxConnectionIdle", maxConnectionIdle);
    Checks.positive("maxConnectionAge", maxConnectionAge);
    Checks.positive("maxConnectionAgeGrace", maxConnectionAgeGrace);
  }

  /**
   * Sets permitKeepAliveTime, permitKeepAliveWithoutCalls and, unless {@link #NEVER},
   * maxConnectionIdle, maxConnectionAge and maxConnectionAgeGrace on a server builder.
   *
   * @return the builder
   * @throws NullPointerException if the builder is null
   */
  public NettyServerBuilder applyTo(NettyServerBuilder builder) {
    Objects.requireNonNull(builder, "builder");
    builder.permitKeepAliveTime(permitKeepAliveTime.toNanos(), TimeUnit.NANOSECONDS);
    builder.permitKeepAliveWithoutCalls(permitKeepAliveWithoutCalls);
    if (!maxConnectionIdle.equals(NEVER)) {
      builder.maxConnectionIdle(maxConnectionIdle.toNanos(), TimeUnit.NANOSECONDS);
    }
    if (!maxConnectionAge.equals(NEVER)) {
      builder.maxConnectionAge(maxConnectionAge.toNanos(), TimeUnit.NANOSECONDS);
    }
    if (!maxConnectionAgeGrace.equals(NEVER)) {
      builder.maxConnectionAgeGrace(maxConnectionAgeGrace.toNanos(), TimeUnit.NANOSECONDS);
    }
    return builder;
  }

  /** Returns a copy with another permitKeepAliveTime. */
  public ServerKeepAlivePolicy withPermitKeepAliveTime(Duration permitKeepAliveTime) {
    return new ServerKeepAlivePolicy(
        permitKeepAliveTime,
        permitKeepAliveWithoutCalls,
        maxConnectionIdle,
        maxConnectionAge,
        maxConnectionAgeGrace);
  }

  /** Returns a copy with another permitKeepAliveWithoutCalls. */
  public ServerKeepAlivePolicy withPermitKeepAliveWithoutCalls(boolean permit) {
    return new ServerKeepAlivePolicy(
        permitKeepAliveTime, permit, maxConnectionIdle, maxConnectionAge, maxConnectionAgeGrace);
  }

  /** Returns a copy with another maxConnectionIdle ({@link #NEVER} for none). */
  public ServerKeepAlivePolicy withMaxConnectionIdle(Duration maxConnectionIdle) {
    return new ServerKeepAlivePolicy(
        permitKeepAliveTime,
        permitKeepAliveWithoutCalls,
        maxConnectionIdle,
        maxConnectionAge,
        maxConnectionAgeGrace);
  }

  /** Returns a copy with another maxConnectionAge and grace ({@link #NEVER} for none). */
  public ServerKeepAlivePolicy withMaxConnectionAge(Duration maxConnectionAge, Duration grace) {
    return new ServerKeepAlivePolicy(
        permitKeepAliveTime,
        permitKeepAliveWithoutCalls,
        maxConnectionIdle,
        maxConnectionAge,
        grace);
  }
}
