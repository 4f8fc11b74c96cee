package io.switchboard.pool;

import io.grpc.ManagedChannelBuilder;
import io.switchboard.core.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Client keepalive settings for a channel (gRFC A8): after {@code keepAliveTime} without reading
 * anything, the client sends an HTTP/2 PING; if no answer comes within {@code keepAliveTimeout},
 * the connection is closed and its calls fail with {@code UNAVAILABLE}. A dead peer with a call in
 * flight is thus detected within keepAliveTime + keepAliveTimeout.
 *
 * <p>A server enforces a minimum interval between pings ({@link ServerKeepAlivePolicy}); a client
 * that pings faster gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings" and its calls fail. Check a pair
 * with {@link #incompatibilities}, or start from a {@link KeepAlivePreset}.
 *
 * @param keepAliveTime the idle time before a ping; grpc-java raises anything under {@value
 *     #MIN_KEEPALIVE_TIME_SECONDS} s to that
 * @param keepAliveTimeout how long to wait for the ping's answer
 * @param keepAliveWithoutCalls whether to ping while the connection has no calls (keeps idle
 *     connections alive through NATs and load balancers; servers must permit it)
 */
public record ClientKeepAlive(
    Duration keepAliveTime, Duration keepAliveTimeout, boolean keepAliveWithoutCalls) {

  /**
   * grpc-java's floor for the client keepalive time (KeepAliveManager): shorter values rise to it.
   */
  public static final long MIN_KEEPALIVE_TIME_SECONDS = 10;

  /**
   * Safety margin between the client's interval and the server's permitted one: timers fire and
   * packets arrive a little early or late, and each early ping is a strike.
   */
  public static final Duration PING_MARGIN = Duration.ofSeconds(1);

  /** grpc's implicit permit time for pings without calls when the server does not permit them. */
  static final Duration IMPLICIT_PERMIT_TIME = Duration.ofHours(2);

  /**
   * Checks the components.
   *
   * @throws NullPointerException if a duration is null
   * @throws IllegalArgumentException if a duration is not positive
   */
  public ClientKeepAlive {
    Checks.positive("keepAliveTime", keepAliveTime);
    Checks.positive("keepAliveTimeout", keepAliveTimeout);
  }

  /**
   * Returns the keepalive time grpc-java will use: at least {@value #MIN_KEEPALIVE_TIME_SECONDS} s.
   */
  public Duration effectiveKeepAliveTime() {
    Duration floor = Duration.ofSeconds(MIN_KEEPALIVE_TIME_SECONDS);
    return keepAliveTime.compareTo(floor) < 0 ? floor : keepAliveTime;
  }

  /** Returns the longest time a dead peer with a call in flight goes unnoticed. */
  public Duration deadPeerDetectionTime() {
    return effectiveKeepAliveTime().plus(keepAliveTimeout);
  }

  /**
   * Sets keepAliveTime, keepAliveTimeout and keepAliveWithoutCalls on a channel builder.
   *
   * @return the builder
   * @throws NullPointerException if the builder is null
   * @throws UnsupportedOperationException if the builder does not support keepalive
   */
  public <T extends ManagedChannelBuilder<?>> T applyTo(T builder) {
    Objects.requireNonNull(builder, "builder");
    builder.keepAliveTime(keepAliveTime.toNanos(), TimeUnit.NANOSECONDS);
    builder.keepAliveTimeout(keepAliveTimeout.toNanos(), TimeUnit.NANOSECONDS);
    builder.keepAliveWithoutCalls(keepAliveWithoutCalls);
    return builder;
  }

  /**
   * Returns why a server with {@code policy} would reject these pings with "too_many_pings", one
   * reason per entry; empty if it accepts them.
   *
   * @throws NullPointerException if the policy is null
   */
  public List<String> incompatibilities(ServerKeepAlivePolicy policy) {
    Objects.requireNonNull(policy, "policy");
    List<String> problems = new ArrayList<>();
    Duration time = effectiveKeepAliveTime();
    Duration needed = policy.permitKeepAliveTime().plus(PING_MARGIN);
    if (time.compareTo(needed) < 0) {
      problems.add(
          "keepAliveTime "
              + time
              + " is shorter than the server's permitKeepAliveTime "
              + policy.permitKeepAliveTime()
              + " plus a margin of "
              + PING_MARGIN
              + ": the server counts early pings as strikes and closes the connection with"
              + " GOAWAY too_many_pings after the third");
    }
    if (keepAliveWithoutCalls
        && !policy.permitKeepAliveWithoutCalls()
        && time.compareTo(IMPLICIT_PERMIT_TIME) < 0) {
      problems.add(
          "keepAliveWithoutCalls is true but the server does not permit pings without calls"
              + " (permitKeepAliveWithoutCalls false allows one ping per "
              + IMPLICIT_PERMIT_TIME
              + " on an idle connection)");
    }
    return List.copyOf(problems);
  }

  /**
   * Returns true if a server with {@code policy} accepts these pings.
   *
   * @throws NullPointerException if the policy is null
   */
  public boolean isCompatibleWith(ServerKeepAlivePolicy policy) {
    return incompatibilities(policy).isEmpty();
  }

  /**
   * Throws if a server with {@code policy} would reject these pings.
   *
   * @throws IllegalArgumentException listing every {@linkplain #incompatibilities reason}
   * @throws NullPointerException if the policy is null
   */
  public void checkCompatibleWith(ServerKeepAlivePolicy policy) {
    List<String> problems = incompatibilities(policy);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "client keepalive " + this + " does not fit server policy " + policy + ": " + problems);
    }
  }

  /** Returns a copy with another keepAliveTime. */
  public ClientKeepAlive withKeepAliveTime(Duration keepAliveTime) {
    return new ClientKeepAlive(keepAliveTime, keepAliveTimeout, keepAliveWithoutCalls);
  }

  /** Returns a copy with another keepAliveTimeout. */
  public ClientKeepAlive withKeepAliveTimeout(Duration keepAliveTimeout) {
    return new ClientKeepAlive(keepAliveTime, keepAliveTimeout, keepAliveWithoutCalls);
  }

  /** Returns a copy with another keepAliveWithoutCalls. */
  public ClientKeepAlive withKeepAliveWithoutCalls(boolean keepAliveWithoutCalls) {
    return new ClientKeepAlive(keepAliveTime, keepAliveTimeout, keepAliveWithoutCalls);
  }
}
