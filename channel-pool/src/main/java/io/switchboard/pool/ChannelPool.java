package io.switchboard.pool;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.switchboard.core.ExperimentalApi;
import io.switchboard.core.internal.Checks;
import io.switchboard.core.internal.DaemonThreadFactory;
import io.switchboard.core.metrics.MetricSink;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A health-checked, self-sizing pool of gRPC channels to one target that is itself a {@link
 * ManagedChannel}, so any stub or client wraps it unchanged:
 *
 * <pre>{@code
 * ChannelPool pool = ChannelPool.newBuilder("dns:///users.internal:443").build();  // TLS
 * UserServiceGrpc.UserServiceFutureStub stub = UserServiceGrpc.newFutureStub(pool);
 * RpcClient client = RpcClient.create(pool);
 * ...
 * pool.shutdown();
 * }</pre>
 *
 * <h2>Picking</h2>
 *
 * Each call goes to the less loaded of two channels drawn at random among those in rotation (power
 * of two choices), load being the calls in flight on the channel through this pool. A healthy
 * channel always wins over an unhealthy one; on equal load the first of the two random draws wins,
 * which favours no index. When both draws are unhealthy the least loaded healthy channel is used;
 * when no channel is healthy the call still goes out (fail-open) on the least loaded channel, so
 * grpc reports the real failure, or the call succeeds if the health signal was stale. The channel
 * is picked when the call starts.
 *
 * <p>With the call option {@link #AFFINITY_KEY} set (e.g. {@code
 * stub.withOption(ChannelPool.AFFINITY_KEY, userId)}), calls with equal keys go to the same channel
 * while that channel is healthy and in the pool (rendezvous hashing, so growth moves only the keys
 * the new channel wins).
 *
 * <h2>Sizing</h2>
 *
 * The pool starts with {@link Builder#minChannels} channels and connects them at once. When the
 * picked channel carries {@link Builder#callsPerChannel} calls or more and so does every other
 * healthy one, the pool adds a channel (up to {@link Builder#maxChannels}) and sends the call
 * there: a server's MAX_CONCURRENT_STREAMS otherwise makes grpc queue calls silently on a full
 * connection (grpc-java #8252). The threshold defaults to the server's stream limit when you give
 * it ({@link Builder#maxConcurrentStreams}), else {@value #DEFAULT_CALLS_PER_CHANNEL}. When the
 * peak of calls in flight seen over {@link Builder#idleTimeout} (sampled at each maintenance pass)
 * fits in fewer channels, the least loaded channels beyond that need leave the rotation.
 *
 * <h2>Health, replacement and refresh</h2>
 *
 * A channel is unhealthy from TRANSIENT_FAILURE, or from losing its connection while the pool is
 * busy, until it is READY again (the pool asks such a channel to reconnect at once); after a call
 * on it failed with {@code UNAVAILABLE} until maintenance sees it READY; and, with {@link
 * Builder#healthCheck} set, while its last grpc.health.v1 {@code Check} did not answer SERVING in
 * time. A channel whose connection closes while the pool has carried no call for two maintenance
 * passes is left idle and stays healthy: grpc connects it on its next call, so a server that closes
 * idle connections ({@link KeepAlivePreset#MOBILE}) gets them closed. A channel unhealthy for
 * {@link Builder#replaceUnhealthyAfter} gets a replacement; with {@link Builder#maxChannelAge} set,
 * channels are also refreshed, one at a time, each at its age minus up to 20 % jitter. A
 * replacement connects first ({@code getState(true)}, then READY, and SERVING when checks are on)
 * and only then takes the old channel's place in rotation; one that does not get there within
 * {@link Builder#warmUpTimeout} is dropped and tried again later.
 *
 * <p>Channels leaving the rotation (shrinking, replaced, refreshed) drain: the pool sends them no
 * new calls and shuts them down when their last call in flight closes. Calls in flight are never
 * cut by the pool.
 *
 * <h2>Counting calls</h2>
 *
 * A call counts as in flight from {@code start} until its listener's {@code onClose} or {@code
 * start} throwing, exactly once. A call created with {@code newCall} and never started is not
 * counted; one cancelled before it starts closes with {@code CANCELLED} when started, uncounted.
 *
 * <h2>Threads and failures</h2>
 *
 * The pool runs its maintenance (sizing, replacement, refresh, health checks) on one daemon thread
 * of its own, ended by {@link #shutdown()}. If the channel factory or the customizer throws when
 * the pool grows, the call goes out on an existing channel and the failure is logged; when
 * maintenance replaces a channel, the failure is logged and retried after {@link
 * Builder#replaceUnhealthyAfter}. A call on a shut-down pool fails with {@code UNAVAILABLE} and a
 * description naming the pool.
 *
 * <p>Thread-safe.
 */
public final class ChannelPool extends ManagedChannel {
  /**
   * The call option that ties calls with equal keys (by {@code equals}/{@code hashCode}) to one
   * channel while it is healthy and in the pool.
   */
  @ExperimentalApi("affinity by rendezvous hashing; may gain a bound on a key's channel load")
  public static final CallOptions.Key<Object> AFFINITY_KEY =
      CallOptions.Key.create("switchboard.pool.affinity");

  /** One connection until load asks for more: most clients never need a second one. */
  public static final int DEFAULT_MIN_CHANNELS = 1;

  /**
   * 16 connections: 1600 concurrent calls at a 100-stream limit; 8 channels already reach ~4× one
   * channel's throughput against such a server (DESIGN.md).
   */
  public static final int DEFAULT_MAX_CHANNELS = 16;

  /**
   * 100 calls per channel: the MAX_CONCURRENT_STREAMS most servers and proxies advertise (grpc-go,
   * Envoy, nginx default to 100), and the value RFC 9113 recommends as the minimum.
   */
  public static final int DEFAULT_CALLS_PER_CHANNEL = 100;

  /**
   * Two minutes: longer than the gaps inside ordinary bursts, short enough to free idle sockets.
   */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(2);

  /**
   * Ten seconds: past grpc's first reconnect attempts (1 s backoff, ×1.6), so a blip heals in place
   * and only a channel that stays broken is swapped for a fresh one.
   */
  public static final Duration DEFAULT_REPLACE_UNHEALTHY_AFTER = Duration.ofSeconds(10);

  /** Twenty seconds: grpc's minimum connect timeout for one connection attempt. */
  public static final Duration DEFAULT_WARM_UP_TIMEOUT = Duration.ofSeconds(20);

  /** One second between maintenance passes: cheap (a scan of at most maxChannels entries). */
  public static final Duration DEFAULT_MAINTENANCE_INTERVAL = Duration.ofSeconds(1);

  /** Five seconds between health checks: a sick backend leaves the rotation within seconds. */
  public static final Duration DEFAULT_HEALTH_CHECK_INTERVAL = Duration.ofSeconds(5);

  /** Two seconds for a health check: far above a loopback or LAN round trip, below the interval. */
  public static final Duration DEFAULT_HEALTH_CHECK_TIMEOUT = Duration.ofSeconds(2);

  /** 1024 channels: far past any server's useful connection count from one client. */
  static final int MAX_CHANNELS_LIMIT = 1024;

  /** One daemon thread per pool, named switchboard-pool-maintenance-N. */
  private static final DaemonThreadFactory MAINTENANCE_THREADS =
      new DaemonThreadFactory("switchboard-pool-maintenance");

  private final PoolSettings settings;
  private final Picker picker;
  private final Maintainer maintainer;
  private final StateWatchers watchers;
  private final PoolMetrics metrics;
  private final ScheduledExecutorService maintenance;
  private final String name;
  private final Status shutdownStatus;
  private volatile boolean shutdown;

  private ChannelPool(PoolSettings settings) {
    this.settings = settings;
    this.picker = new Picker(settings.callsPerChannel);
    this.watchers = new StateWatchers(() -> getState(false));
    this.metrics = new PoolMetrics(settings.metrics);
    this.maintenance = newMaintenanceExecutor();
    try {
      this.maintainer =
          new Maintainer(
              settings,
              settings::newChannel,
              picker,
              maintenance,
              watchers::stateChanged,
              metrics,
              System::nanoTime);
    } catch (RuntimeException | Error e) {
      maintenance.shutdownNow();
      throw e;
    }
    this.name = maintainer.name();
    this.shutdownStatus =
        Status.UNAVAILABLE.withDescription(
            "channel pool " + name + " is shut down: build a new pool for new calls");
    metrics.start(name, this::stats);
    long tick = settings.maintenanceInterval.toNanos();
    maintenance.scheduleWithFixedDelay(maintainer::maintain, tick, tick, TimeUnit.NANOSECONDS);
    if (settings.healthService != null) {
      HealthChecker checker =
          new HealthChecker(
              settings.healthService,
              settings.healthCheckTimeout,
              maintainer::checkable,
              maintainer::runSoon,
              metrics);
      long every = settings.healthCheckInterval.toNanos();
      maintenance.scheduleWithFixedDelay(
          () -> {
            if (!shutdown) {
              checker.checkAll();
            }
          },
          0,
          every,
          TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Returns a builder for a pool of Netty channels to {@code target}: any target grpc-java accepts
   * ({@code host:port}, {@code dns:///host:port}, {@code xds:///name}, or one of a registered
   * resolver). Channels use TLS unless {@link Builder#usePlaintext()} is called. Each channel's
   * builder is a {@link NettyChannelBuilder}, which a {@link Builder#channelCustomizer} may cast
   * to.
   *
   * @throws NullPointerException if the target is null
   * @throws IllegalArgumentException if the target is blank
   */
  public static Builder newBuilder(String target) {
    Objects.requireNonNull(target, "target");
    if (target.isBlank()) {
      throw new IllegalArgumentException("target: \"" + target + "\" (expected: not blank)");
    }
    return new Builder(target, () -> NettyChannelBuilder.forTarget(target));
  }

  /**
   * Returns a builder for a pool whose channels come from the given channel builders: TLS,
   * credentials, interceptors, executors, the transport (Netty, in-process, OkHttp) stay your
   * choice. The pool asks for one builder per channel it makes (at start, when it grows, when it
   * replaces or refreshes one), applies its own settings ({@link Builder#usePlaintext()}, {@link
   * Builder#keepAlive}, {@link Builder#channelCustomizer}) and builds it. The builders should all
   * point at the same service.
   *
   * @param channelBuilders called on the calling thread in {@link Builder#build()}, then on calling
   *     threads when the pool grows and on the pool's maintenance thread; it must not return null
   * @throws NullPointerException if the supplier is null
   */
  public static Builder newBuilder(Supplier<? extends ManagedChannelBuilder<?>> channelBuilders) {
    return new Builder(null, Objects.requireNonNull(channelBuilders, "channelBuilders"));
  }

  /**
   * Returns a builder that starts from this pool's settings, to build a variant (the pool itself is
   * not changed).
   */
  public Builder toBuilder() {
    return settings.toBuilder();
  }

  /**
   * Returns true if at least one channel in rotation is healthy (see the class documentation) and
   * the pool is not shut down. Calls go out even when this is false (fail-open).
   */
  public boolean isHealthy() {
    if (shutdown) {
      return false;
    }
    for (PooledChannel channel : maintainer.active()) {
      if (channel.isHealthy()) {
        return true;
      }
    }
    return false;
  }

  /** Returns the pool's name: its target, the name set in the builder, or the authority. */
  public String name() {
    return name;
  }

  /** Returns the channels (in rotation, warming up, draining) and counters at this moment. */
  public PoolStats stats() {
    return maintainer.stats(shutdown, isHealthy());
  }

  // ---- Channel ----

  /**
   * Returns a call that goes to the channel the pool picks when it starts (see the class
   * documentation). On a shut-down pool, the call fails with {@code UNAVAILABLE} when started.
   */
  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions) {
    return new PooledCall<>(this, method, callOptions);
  }

  /** Returns the authority of the pool's channels (that of the first channel it built). */
  @Override
  public String authority() {
    return maintainer.authority();
  }

  /**
   * Picks the channel for a call that starts and counts the call on it; null once shut down. Called
   * by {@link PooledCall#start}.
   */
  PooledChannel retainChannel(CallOptions options) {
    Object key = options.getOption(AFFINITY_KEY);
    while (!shutdown) {
      PooledChannel[] channels = maintainer.active();
      PooledChannel channel = key == null ? pick(channels) : Picker.byAffinity(channels, key);
      if (channel == null) {
        return null;
      }
      if (channel.retain()) {
        return channel;
      }
      // The channel began draining after we picked it: the rotation has changed, pick again.
    }
    return null;
  }

  private PooledChannel pick(PooledChannel[] channels) {
    PooledChannel best = picker.pick(channels);
    if (best != null && picker.isFull(best) && channels.length < settings.maxChannels) {
      PooledChannel added = maintainer.grow();
      if (added != null) {
        return added;
      }
    }
    return best;
  }

  /** The status of calls started on the shut-down pool. */
  Status shutdownStatus() {
    return shutdownStatus;
  }

  /** Returns the calls in flight on every channel: for the registry, which keeps a busy pool. */
  int callsInFlight() {
    return maintainer.callsInFlight();
  }

  /** Returns the calls started so far: for the registry, which counts a call as use. */
  long callsStarted() {
    return maintainer.callsStarted();
  }

  // ---- ManagedChannel ----

  /**
   * Stops taking calls (new calls fail with {@code UNAVAILABLE}), stops maintenance and shuts every
   * channel down gracefully: calls in flight continue to their end. Idempotent.
   */
  @Override
  public ChannelPool shutdown() {
    shutdown = true; // first: no new call picks a channel from here on
    if (!maintainer.close()) {
      return this;
    }
    metrics.close();
    maintenance.shutdownNow();
    for (PooledChannel channel : maintainer.all()) {
      channel.shutDownChannel();
    }
    watchers.close();
    return this;
  }

  /** Like {@link #shutdown()}, then cancels every call in flight on every channel. */
  @Override
  public ChannelPool shutdownNow() {
    shutdown();
    for (PooledChannel channel : maintainer.all()) {
      channel.channel.shutdownNow();
    }
    return this;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  /** Returns true once the pool is shut down and all its channels and its thread have ended. */
  @Override
  public boolean isTerminated() {
    if (!shutdown || !maintenance.isTerminated()) {
      return false;
    }
    for (PooledChannel channel : maintainer.all()) {
      if (!channel.channel.isTerminated()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Waits until the pool {@linkplain #isTerminated() terminated} or the timeout elapsed.
   *
   * @return whether the pool terminated
   * @throws InterruptedException if interrupted while waiting
   */
  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    maintenance.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    for (PooledChannel channel : maintainer.all()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      channel.channel.awaitTermination(left, TimeUnit.NANOSECONDS);
    }
    return isTerminated();
  }

  /**
   * Returns the best state among the channels in rotation: READY if one is, then CONNECTING, IDLE,
   * TRANSIENT_FAILURE; SHUTDOWN once the pool is shut down.
   *
   * @param requestConnection whether to ask idle channels to connect
   */
  @Override
  public ConnectivityState getState(boolean requestConnection) {
    if (shutdown) {
      return ConnectivityState.SHUTDOWN;
    }
    ConnectivityState best = ConnectivityState.SHUTDOWN;
    for (PooledChannel channel : maintainer.active()) {
      ConnectivityState state =
          requestConnection ? channel.channel.getState(true) : channel.state();
      if (rank(state) < rank(best)) {
        best = state;
      }
    }
    return best;
  }

  private static int rank(ConnectivityState state) {
    switch (state) {
      case READY:
        return 0;
      case CONNECTING:
        return 1;
      case IDLE:
        return 2;
      case TRANSIENT_FAILURE:
        return 3;
      default:
        return 4;
    }
  }

  /**
   * Runs {@code callback} once, on a channel or pool thread, when {@link #getState(boolean)} no
   * longer returns {@code source} (at once if it already does not). A callback that throws is
   * logged.
   *
   * @throws NullPointerException if an argument is null
   */
  @Override
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(callback, "callback");
    watchers.add(source, callback);
  }

  /** Resets the reconnect backoff of every channel, so those waiting to reconnect try now. */
  @Override
  public void resetConnectBackoff() {
    for (PooledChannel channel : maintainer.active()) {
      channel.channel.resetConnectBackoff();
    }
  }

  /** Moves every channel in rotation to IDLE, closing its connections once calls end. */
  @Override
  public void enterIdle() {
    for (PooledChannel channel : maintainer.active()) {
      channel.channel.enterIdle();
    }
  }

  @Override
  public String toString() {
    return "ChannelPool{"
        + name
        + ", "
        + maintainer.active().length
        + " channels"
        + (shutdown ? ", shut down}" : "}");
  }

  private static ScheduledExecutorService newMaintenanceExecutor() {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, MAINTENANCE_THREADS);
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    return executor;
  }

  /**
   * Settings of a {@link ChannelPool}; each setter checks its argument at once, {@link #build()}
   * checks that they fit together and copies them into the pool, so a builder may go on to build
   * other pools. Not thread-safe.
   */
  public static final class Builder {
    // Package-private: PoolSettings copies them out.
    final String target;
    final Supplier<? extends ManagedChannelBuilder<?>> channelBuilders;
    String name;
    boolean plaintext;
    ClientKeepAlive keepAlive;
    Consumer<ManagedChannelBuilder<?>> customizer;
    int minChannels = DEFAULT_MIN_CHANNELS;
    int maxChannels = DEFAULT_MAX_CHANNELS;
    int callsPerChannel; // 0: derive
    int maxConcurrentStreams; // 0: unknown
    Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    Duration maxChannelAge; // null: no refresh
    Duration replaceUnhealthyAfter = DEFAULT_REPLACE_UNHEALTHY_AFTER;
    Duration warmUpTimeout = DEFAULT_WARM_UP_TIMEOUT;
    Duration maintenanceInterval = DEFAULT_MAINTENANCE_INTERVAL;
    String healthService; // null: no health checks
    Duration healthCheckInterval = DEFAULT_HEALTH_CHECK_INTERVAL;
    Duration healthCheckTimeout = DEFAULT_HEALTH_CHECK_TIMEOUT;
    MetricSink metrics = MetricSink.noop();

    private Builder(String target, Supplier<? extends ManagedChannelBuilder<?>> channelBuilders) {
      this.target = target;
      this.channelBuilders = channelBuilders;
    }

    /** A builder holding {@code settings}: {@link ChannelPool#toBuilder()}. */
    Builder(PoolSettings settings) {
      this(settings.target, settings.channelBuilders);
      name = settings.name;
      plaintext = settings.plaintext;
      keepAlive = settings.keepAlive;
      customizer = settings.customizer;
      minChannels = settings.minChannels;
      maxChannels = settings.maxChannels;
      callsPerChannel = settings.callsPerChannelSetting;
      maxConcurrentStreams = settings.maxConcurrentStreams;
      idleTimeout = settings.idleTimeout;
      maxChannelAge = settings.maxChannelAge;
      replaceUnhealthyAfter = settings.replaceUnhealthyAfter;
      warmUpTimeout = settings.warmUpTimeout;
      maintenanceInterval = settings.maintenanceInterval;
      healthService = settings.healthService;
      healthCheckInterval = settings.healthCheckInterval;
      healthCheckTimeout = settings.healthCheckTimeout;
      metrics = settings.metrics;
    }

    /**
     * Names the pool in snapshots, logs and error messages (default: the target, or the first
     * channel's authority).
     *
     * @throws NullPointerException if the name is null
     * @throws IllegalArgumentException if it is blank
     */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name: \"" + name + "\" (expected: not blank)");
      }
      this.name = name;
      return this;
    }

    /** Makes each channel use plaintext HTTP/2 instead of grpc's default, TLS. */
    public Builder usePlaintext() {
      this.plaintext = true;
      return this;
    }

    /**
     * Applies client keepalive settings to each channel, e.g. {@code
     * KeepAlivePreset.CLOUD_LOAD_BALANCER.client()}; run the server with the matching {@link
     * ServerKeepAlivePolicy}.
     *
     * @throws NullPointerException if the settings are null
     */
    public Builder keepAlive(ClientKeepAlive keepAlive) {
      this.keepAlive = Objects.requireNonNull(keepAlive, "keepAlive");
      return this;
    }

    /**
     * Lets you configure each channel's builder after the pool's own settings, just before it is
     * built: interceptors, executors, limits, credentials. With {@link
     * ChannelPool#newBuilder(String)} the builder is a {@link NettyChannelBuilder}. If the
     * customizer throws, {@link #build()} throws it; later, growth or replacement is skipped and
     * logged (see {@link ChannelPool}).
     *
     * @throws NullPointerException if the customizer is null
     */
    public Builder channelCustomizer(Consumer<ManagedChannelBuilder<?>> customizer) {
      this.customizer = Objects.requireNonNull(customizer, "customizer");
      return this;
    }

    /**
     * Sets the channels the pool keeps at least (default {@value #DEFAULT_MIN_CHANNELS}), connected
     * at start.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder minChannels(int minChannels) {
      this.minChannels = Checks.positive("minChannels", minChannels);
      return this;
    }

    /**
     * Sets the channels the pool grows to at most (default {@value #DEFAULT_MAX_CHANNELS}).
     *
     * @throws IllegalArgumentException if below 1 or over 1024
     */
    public Builder maxChannels(int maxChannels) {
      this.maxChannels = Checks.inRange("maxChannels", maxChannels, 1, MAX_CHANNELS_LIMIT);
      return this;
    }

    /**
     * Tells the pool the server's HTTP/2 MAX_CONCURRENT_STREAMS, which grpc-java does not expose:
     * unless {@link #callsPerChannel} is set, the pool grows when every channel carries that many
     * calls.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxConcurrentStreams(int maxConcurrentStreams) {
      this.maxConcurrentStreams = Checks.positive("maxConcurrentStreams", maxConcurrentStreams);
      return this;
    }

    /**
     * Sets the calls in flight per channel at which the pool grows (default: {@link
     * #maxConcurrentStreams} if set, else {@value #DEFAULT_CALLS_PER_CHANNEL}).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder callsPerChannel(int callsPerChannel) {
      this.callsPerChannel = Checks.positive("callsPerChannel", callsPerChannel);
      return this;
    }

    /**
     * Sets how long the pool must have been oversized before it shrinks (default 2 minutes).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = Checks.positive("idleTimeout", idleTimeout);
      return this;
    }

    /**
     * Refreshes each channel when it reaches this age, minus up to 20 % jitter, one channel at a
     * time (default: never).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxChannelAge(Duration maxChannelAge) {
      this.maxChannelAge = Checks.positive("maxChannelAge", maxChannelAge);
      return this;
    }

    /**
     * Sets how long a channel may stay unhealthy before the pool replaces it (default 10 s).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder replaceUnhealthyAfter(Duration replaceUnhealthyAfter) {
      this.replaceUnhealthyAfter = Checks.positive("replaceUnhealthyAfter", replaceUnhealthyAfter);
      return this;
    }

    /**
     * Sets how long a replacement may take to become READY (and SERVING) before it is dropped
     * (default 20 s).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder warmUpTimeout(Duration warmUpTimeout) {
      this.warmUpTimeout = Checks.positive("warmUpTimeout", warmUpTimeout);
      return this;
    }

    /**
     * Sets the time between maintenance passes: sizing, replacement, refresh (default 1 s).
     *
     * @throws IllegalArgumentException if not within 1 ms..1 min
     */
    public Builder maintenanceInterval(Duration maintenanceInterval) {
      Checks.positive("maintenanceInterval", maintenanceInterval);
      if (maintenanceInterval.compareTo(Duration.ofMillis(1)) < 0
          || maintenanceInterval.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException(
            "maintenanceInterval: " + maintenanceInterval + " (expected: PT0.001S..PT1M)");
      }
      this.maintenanceInterval = maintenanceInterval;
      return this;
    }

    /**
     * Turns on grpc.health.v1 checks of {@code service} ({@code ""} for the whole server) on each
     * channel, with the default interval and timeout (5 s, 2 s).
     *
     * @throws NullPointerException if the service is null
     */
    public Builder healthCheck(String service) {
      return healthCheck(service, DEFAULT_HEALTH_CHECK_INTERVAL, DEFAULT_HEALTH_CHECK_TIMEOUT);
    }

    /**
     * Turns on grpc.health.v1 checks of {@code service} ({@code ""} for the whole server) on each
     * channel every {@code interval}, each with a deadline of {@code timeout}. A channel whose last
     * check did not answer SERVING in time leaves the rotation until one does.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a duration is not positive, or the timeout exceeds the
     *     interval
     */
    public Builder healthCheck(String service, Duration interval, Duration timeout) {
      Objects.requireNonNull(service, "service");
      Checks.positive("interval", interval);
      Checks.positive("timeout", timeout);
      if (timeout.compareTo(interval) > 0) {
        throw new IllegalArgumentException(
            "timeout: " + timeout + " (expected: <= interval " + interval + ")");
      }
      this.healthService = service;
      this.healthCheckInterval = interval;
      this.healthCheckTimeout = timeout;
      return this;
    }

    /**
     * Reports the pool's instruments (channels by role and state, calls in flight, picks, channel
     * events, health checks, warm-up time: the README's metrics table) to {@code metrics}, such as
     * {@code OpenTelemetryMetrics} or {@code MicrometerMetrics}; nothing is recorded by default.
     * Calls pay nothing for it: what the pool counts anyway is read when metrics are collected.
     * grpc-java's per-call metrics are installed on the channels by a {@link #channelCustomizer}
     * ({@code OpenTelemetryMetrics.channelConfigurer()}).
     *
     * @throws NullPointerException if {@code metrics} is null
     */
    public Builder metrics(MetricSink metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /**
     * Builds the pool and starts connecting its first {@link #minChannels} channels.
     *
     * @throws IllegalArgumentException if minChannels exceeds maxChannels
     * @throws RuntimeException whatever the channel builder supplier or the customizer throws
     */
    public ChannelPool build() {
      if (minChannels > maxChannels) {
        throw new IllegalArgumentException(
            "minChannels: " + minChannels + " (expected: <= maxChannels " + maxChannels + ")");
      }
      return new ChannelPool(new PoolSettings(this));
    }
  }
}
