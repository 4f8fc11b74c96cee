package io.switchboard.pool;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.switchboard.pool.ChannelStats.Health;
import io.switchboard.pool.ChannelStats.Role;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One channel of a pool with its counters and health. Calls in flight are counted from {@link
 * #retain()} (the pool picked this channel for a call) to {@link #release} (the call ended); a
 * channel that is {@linkplain #retire() retired} shuts down when that count reaches zero, so no
 * call in flight is cut by the pool.
 */
final class PooledChannel {
  /** What the last health check said. */
  enum CheckState {
    /** No check has completed yet, or checks are off: optimistic, counts as passing. */
    UNKNOWN,
    SERVING,
    FAILING
  }

  final int id;
  final ManagedChannel channel;
  final long createdNanos;

  /** When this channel is due for refresh ({@code Long.MAX_VALUE} for never). */
  final long refreshAtNanos;

  private final AtomicInteger inFlight = new AtomicInteger();
  private final LongAdder started = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder poolStarted;
  private final LongAdder poolFailed;
  private final AtomicBoolean shutDown = new AtomicBoolean();

  private volatile Role role;
  private volatile ConnectivityState state = ConnectivityState.IDLE;

  /**
   * False from TRANSIENT_FAILURE, or from leaving READY, until the channel is READY again. A new
   * channel counts as healthy while it connects for the first time.
   */
  private volatile boolean connectionHealthy = true;

  private volatile boolean everReady;

  /**
   * Set when a call on the channel failed with UNAVAILABLE, which usually means the connection was
   * lost a moment before grpc reports the new state; cleared by maintenance once it sees READY.
   */
  private volatile boolean suspect;

  private volatile CheckState checkState = CheckState.UNKNOWN;
  private volatile String checkDetail = "";

  /** When the channel last became unhealthy, 0 while healthy. */
  private volatile long unhealthySinceNanos;

  /** True while a health check runs; set by maintenance, cleared by the check's callback. */
  volatile boolean checkInFlight;

  /** The channel warming up to replace this one, or null; maintenance thread only. */
  PooledChannel replacement;

  /**
   * For a warming channel: true when it refreshes an old one, false when it replaces a sick one.
   */
  boolean isRefresh;

  /** For a warming channel: when it started warming up. Maintenance thread only. */
  long warmingSinceNanos;

  /**
   * Earliest time maintenance may try to replace this channel again (its creation time at first);
   * compared as {@code now - next < 0}, as nanoTime values must be. Maintenance thread only.
   */
  long nextReplaceAttemptNanos;

  /**
   * @param poolStarted the pool's total of calls started, counted along with this channel's
   * @param poolFailed the pool's total of calls failed, counted along with this channel's
   */
  PooledChannel(
      int id,
      ManagedChannel channel,
      long nowNanos,
      long refreshAtNanos,
      Role role,
      LongAdder poolStarted,
      LongAdder poolFailed) {
    this.id = id;
    this.channel = channel;
    this.createdNanos = nowNanos;
    this.refreshAtNanos = refreshAtNanos;
    this.nextReplaceAttemptNanos = nowNanos;
    this.role = role;
    this.poolStarted = poolStarted;
    this.poolFailed = poolFailed;
  }

  /**
   * Counts a call on this channel unless it is retiring.
   *
   * @return false if the channel is retiring; the caller must pick another one
   */
  boolean retain() {
    inFlight.incrementAndGet();
    if (role == Role.DRAINING) {
      release(null);
      return false;
    }
    return true;
  }

  /** Ends a call counted by {@link #retain()}; null status for a call that never started. */
  void release(Status status) {
    if (status != null && !status.isOk()) {
      failed.increment();
      poolFailed.increment();
      if (status.getCode() == Status.Code.UNAVAILABLE && !suspect) {
        suspect = true;
        updateUnhealthySince(System.nanoTime());
      }
    }
    if (inFlight.decrementAndGet() == 0 && role == Role.DRAINING) {
      shutDownChannel();
    }
  }

  void onStarted() {
    started.increment();
    poolStarted.increment();
  }

  /** Takes the channel out of rotation; it shuts down once its calls in flight end. */
  void retire() {
    role = Role.DRAINING;
    if (inFlight.get() == 0) {
      shutDownChannel();
    }
  }

  void activate() {
    role = Role.ACTIVE;
  }

  /** Shuts the channel down (gracefully: calls grpc already holds may finish). Idempotent. */
  void shutDownChannel() {
    if (shutDown.compareAndSet(false, true)) {
      channel.shutdown();
    }
  }

  boolean isShutDown() {
    return shutDown.get();
  }

  Role role() {
    return role;
  }

  int inFlight() {
    return inFlight.get();
  }

  ConnectivityState state() {
    return state;
  }

  /**
   * True if the channel may take calls: no transport failure since it was last READY, checks ok.
   */
  boolean isHealthy() {
    return connectionHealthy && !suspect && checkState != CheckState.FAILING;
  }

  boolean everReady() {
    return everReady;
  }

  /** Clears the suspicion raised by a failed call once grpc reports the channel READY. */
  void clearSuspicionIfReady(long nowNanos) {
    if (!suspect) {
      return;
    }
    ConnectivityState now;
    try {
      now = channel.getState(false);
    } catch (UnsupportedOperationException e) {
      now = ConnectivityState.READY; // a channel that does not report state: trust it again
    }
    if (now == ConnectivityState.READY) {
      suspect = false;
      updateUnhealthySince(nowNanos);
    }
  }

  CheckState checkState() {
    return checkState;
  }

  long unhealthySinceNanos() {
    return unhealthySinceNanos;
  }

  /**
   * Records a connectivity state. READY makes the channel healthy; TRANSIENT_FAILURE, and any state
   * but SHUTDOWN after it was READY (it lost its connection and is getting a new one), unhealthy;
   * except IDLE when the pool leaves the channel idle ({@code resting}), which is healthy: grpc
   * connects it on its next call, as it does a new channel.
   */
  void onStateChange(ConnectivityState newState, boolean resting, long nowNanos) {
    state = newState;
    if (newState == ConnectivityState.READY) {
      everReady = true;
      connectionHealthy = true;
    } else if (newState == ConnectivityState.IDLE && resting) {
      connectionHealthy = true;
    } else if (newState == ConnectivityState.TRANSIENT_FAILURE
        || (everReady && newState != ConnectivityState.SHUTDOWN)) {
      connectionHealthy = false; // failed, or lost its connection and is getting a new one
    }
    updateUnhealthySince(nowNanos);
  }

  void onCheckResult(CheckState result, String detail, long nowNanos) {
    checkState = result;
    checkDetail = detail;
    updateUnhealthySince(nowNanos);
  }

  private void updateUnhealthySince(long nowNanos) {
    if (isHealthy()) {
      unhealthySinceNanos = 0;
    } else if (unhealthySinceNanos == 0) {
      unhealthySinceNanos = nowNanos == 0 ? 1 : nowNanos;
    }
  }

  /**
   * @param inRotation whether the pool's rotation holds this channel: then it shows as ACTIVE, and
   *     a channel still ACTIVE outside it (being removed) shows as DRAINING
   */
  ChannelStats stats(long nowNanos, boolean inRotation) {
    Role role = this.role;
    if (inRotation) {
      role = Role.ACTIVE;
    } else if (role == Role.ACTIVE) {
      role = Role.DRAINING;
    }
    Health health;
    String detail;
    if (!connectionHealthy) {
      health = Health.UNHEALTHY;
      detail = "connection failed or lost; not READY since";
    } else if (suspect) {
      health = Health.UNHEALTHY;
      detail = "a call failed UNAVAILABLE; waiting for READY";
    } else if (checkState == CheckState.FAILING) {
      health = Health.UNHEALTHY;
      detail = checkDetail;
    } else {
      health = Health.HEALTHY;
      detail = checkState == CheckState.SERVING ? checkDetail : "";
    }
    return new ChannelStats(
        id,
        role,
        state,
        health,
        detail,
        inFlight.get(),
        started.sum(),
        failed.sum(),
        Duration.ofNanos(nowNanos - createdNanos));
  }

  @Override
  public String toString() {
    return "channel#" + id + "{" + role + ", " + state + ", inFlight=" + inFlight.get() + "}";
  }
}
