package io.switchboard.pool;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.switchboard.pool.ChannelSnapshot.Role;
import io.switchboard.pool.PooledChannel.CheckState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A health-checked, self-sizing pool of gRPC channels to one target that is itself a {@link
 * ManagedChannel}, so any stub or client wraps it unchanged:
 *
 * <pre>{@code
 * ChannelPool pool = ChannelPool.forTarget("dns:///users.internal:443").build();  // TLS
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
 * grpc reports the real failure, or the call succeeds if the health signal was stale.
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
 * A channel is unhealthy from TRANSIENT_FAILURE, or from losing its connection, until it is READY
 * again (the pool asks a channel that lost its connection to reconnect at once); after a call on it
 * failed with {@code UNAVAILABLE} until maintenance sees it READY; and, with {@link
 * Builder#healthCheck} set, while its last grpc.health.v1 {@code Check} did not answer SERVING in
 * time. A channel unhealthy for {@link Builder#replaceUnhealthyAfter} gets a replacement; with
 * {@link Builder#maxChannelAge} set, channels are also refreshed, one at a time, each at its age
 * minus up to 20 % jitter. A replacement connects first ({@code getState(true)}, then READY, and
 * SERVING when checks are on) and only then takes the old channel's place in rotation; one that
 * does not get there within {@link Builder#warmUpTimeout} is dropped and tried again later.
 *
 * <p>Channels leaving the rotation (shrinking, replaced, refreshed) drain: the pool sends them no
 * new calls and shuts them down when their last call in flight closes. Calls in flight are never
 * cut by the pool.
 *
 * <h2>Counting calls</h2>
 *
 * A call counts as in flight from {@code newCall} until its listener's {@code onClose}, its {@code
 * cancel} before {@code start}, or {@code start} throwing, whichever comes first, exactly once. A
 * call made with {@code newCall} and neither started nor cancelled stays counted (grpc's stubs
 * always start or cancel).
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

  /**
   * Refresh happens at maxChannelAge minus up to this fraction, so channels do not expire as one.
   */
  static final double REFRESH_JITTER = 0.2;

  private static final Logger logger = LoggerFactory.getLogger(ChannelPool.class);
  private static final PooledChannel[] NO_CHANNELS = new PooledChannel[0];

  private final Builder settings;
  private final int callsPerChannel;
  private final String name;
  private final String authority;
  private final Status shutdownStatus;
  private final ScheduledExecutorService maintenance;
  private final Object lock = new Object();
  private final AtomicInteger ids = new AtomicInteger();
  private final Set<PooledChannel> allChannels = ConcurrentHashMap.newKeySet();
  private final AtomicLong grown = new AtomicLong();
  private final AtomicLong shrunk = new AtomicLong();
  private final AtomicLong replaced = new AtomicLong();
  private final AtomicLong refreshed = new AtomicLong();

  /** Pool-wide call counters: unlike the channels' own, they survive the channels' removal. */
  private final LongAdder callsStarted = new LongAdder();

  private final LongAdder callsFailed = new LongAdder();

  /** The channels in rotation; replaced as a whole (copy on write) under {@link #lock}. */
  private volatile PooledChannel[] active = NO_CHANNELS;

  private volatile boolean shutdown;
  private volatile long lastResizeNanos;

  // Guarded by lock.
  private final List<PooledChannel> warming = new ArrayList<>();
  private final List<StateWatcher> stateWatchers = new ArrayList<>();

  // Maintenance thread only.
  private int peakInFlight;
  private long peakSinceNanos;

  private ChannelPool(Builder settings) {
    this.settings = settings;
    this.callsPerChannel = settings.callsPerChannel();
    this.maintenance = newMaintenanceExecutor();
    List<PooledChannel> initial = new ArrayList<>();
    try {
      for (int i = 0; i < settings.minChannels; i++) {
        initial.add(newChannel(Role.ACTIVE));
      }
    } catch (RuntimeException | Error e) {
      for (PooledChannel channel : initial) {
        channel.channel.shutdownNow();
      }
      maintenance.shutdownNow();
      throw e;
    }
    this.authority = initial.get(0).channel.authority();
    this.name =
        settings.name != null
            ? settings.name
            : settings.target != null ? settings.target : authority;
    this.shutdownStatus =
        Status.UNAVAILABLE.withDescription(
            "channel pool " + name + " is shut down: build a new pool for new calls");
    synchronized (lock) {
      active = initial.toArray(NO_CHANNELS);
    }
    lastResizeNanos = System.nanoTime();
    long tick = settings.maintenanceInterval.toNanos();
    maintenance.scheduleWithFixedDelay(this::maintain, tick, tick, TimeUnit.NANOSECONDS);
    if (settings.healthService != null) {
      long every = settings.healthCheckInterval.toNanos();
      maintenance.scheduleWithFixedDelay(this::checkHealth, 0, every, TimeUnit.NANOSECONDS);
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
   * @throws IllegalArgumentException if the target is empty
   */
  public static Builder forTarget(String target) {
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
   * Returns true if at least one channel in rotation is healthy (see the class documentation) and
   * the pool is not shut down. Calls go out even when this is false (fail-open).
   */
  public boolean isHealthy() {
    if (shutdown) {
      return false;
    }
    for (PooledChannel channel : active) {
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
  public PoolSnapshot snapshot() {
    long now = System.nanoTime();
    // Roles come from one read of the rotation, so the snapshot never shows more ACTIVE channels
    // than maxChannels while a channel is being swapped in or out.
    Set<PooledChannel> rotation = Set.of(active);
    List<ChannelSnapshot> channels = new ArrayList<>();
    List<PooledChannel> all = new ArrayList<>(allChannels);
    all.sort(Comparator.comparingInt(c -> c.id));
    for (PooledChannel channel : all) {
      if (!(channel.isShutDown() && channel.channel.isTerminated() && !shutdown)) {
        channels.add(channel.snapshot(now, rotation.contains(channel)));
      }
    }
    return new PoolSnapshot(
        name,
        shutdown,
        isHealthy(),
        channels,
        grown.get(),
        shrunk.get(),
        replaced.get(),
        refreshed.get(),
        callsStarted.sum(),
        callsFailed.sum());
  }

  // ---- Channel ----

  /**
   * Creates a call on the channel the pool picks (see the class documentation). On a shut-down
   * pool, returns a call that fails with {@code UNAVAILABLE} when started.
   */
  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions) {
    Object key = callOptions.getOption(AFFINITY_KEY);
    while (!shutdown) {
      PooledChannel channel = key == null ? pick() : pickByAffinity(key);
      if (channel == null) {
        break;
      }
      if (channel.retain()) {
        try {
          return new PooledCall<>(channel.channel.newCall(method, callOptions), channel);
        } catch (RuntimeException | Error e) {
          channel.release(null);
          throw e;
        }
      }
      // The channel began draining after we picked it: the rotation has changed, pick again.
    }
    return new FailingCall<>(shutdownStatus, callOptions.getExecutor());
  }

  /** Returns the authority of the pool's channels (that of the first channel it built). */
  @Override
  public String authority() {
    return authority;
  }

  // ---- ManagedChannel ----

  /**
   * Stops taking calls (new calls fail with {@code UNAVAILABLE}), stops maintenance and shuts every
   * channel down gracefully: calls in flight continue to their end. Idempotent.
   */
  @Override
  public ChannelPool shutdown() {
    List<StateWatcher> watchers;
    synchronized (lock) {
      if (shutdown) {
        return this;
      }
      shutdown = true;
      watchers = new ArrayList<>(stateWatchers);
      stateWatchers.clear();
    }
    maintenance.shutdownNow();
    for (PooledChannel channel : allChannels) {
      channel.shutDownChannel();
    }
    for (StateWatcher watcher : watchers) {
      watcher.fire();
    }
    return this;
  }

  /** Like {@link #shutdown()}, then cancels every call in flight on every channel. */
  @Override
  public ChannelPool shutdownNow() {
    shutdown();
    for (PooledChannel channel : allChannels) {
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
    for (PooledChannel channel : allChannels) {
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
    for (PooledChannel channel : allChannels) {
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
    for (PooledChannel channel : active) {
      ConnectivityState state =
          requestConnection ? channel.channel.getState(true) : channel.state();
      if (rank(state) < rank(best)) {
        best = state;
      }
    }
    return best;
  }

  /**
   * Runs {@code callback} once, on a channel or pool thread, when {@link #getState(boolean)} no
   * longer returns {@code source} (at once if it already does not).
   */
  @Override
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(callback, "callback");
    StateWatcher watcher = new StateWatcher(source, callback);
    synchronized (lock) {
      if (!shutdown && getState(false) == source) {
        stateWatchers.add(watcher);
        return;
      }
    }
    watcher.fire();
  }

  /** Resets the reconnect backoff of every channel, so those waiting to reconnect try now. */
  @Override
  public void resetConnectBackoff() {
    for (PooledChannel channel : active) {
      channel.channel.resetConnectBackoff();
    }
  }

  /** Moves every channel in rotation to IDLE, closing its connections once calls end. */
  @Override
  public void enterIdle() {
    for (PooledChannel channel : active) {
      channel.channel.enterIdle();
    }
  }

  @Override
  public String toString() {
    return "ChannelPool{"
        + name
        + ", "
        + active.length
        + " channels"
        + (shutdown ? ", shut down}" : "}");
  }

  // ---- picking ----

  private PooledChannel pick() {
    PooledChannel[] channels = active;
    int n = channels.length;
    if (n == 0) {
      return null;
    }
    PooledChannel best;
    if (n == 1) {
      best = channels[0];
    } else {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int i = random.nextInt(n);
      int j = random.nextInt(n - 1);
      if (j >= i) {
        j++;
      }
      best = lessLoaded(channels[i], channels[j]);
    }
    if (!best.isHealthy()) {
      PooledChannel healthy = leastLoaded(channels, true);
      best = healthy != null ? healthy : leastLoaded(channels, false); // fail-open
    }
    if (best.inFlight() >= callsPerChannel) {
      // Both draws are full: scan for room without the lock, and grow only if there is none.
      PooledChannel roomiest = leastLoaded(channels, true);
      if (roomiest != null && roomiest.inFlight() < callsPerChannel) {
        return roomiest;
      }
      if (n < settings.maxChannels) {
        PooledChannel added = grow();
        if (added != null) {
          return added;
        }
      }
      if (roomiest != null) {
        best = roomiest; // cannot grow: the least loaded healthy channel
      }
    }
    return best;
  }

  /** The healthier, then the less loaded; {@code a} on a tie (a random draw, so no bias). */
  private static PooledChannel lessLoaded(PooledChannel a, PooledChannel b) {
    boolean healthyA = a.isHealthy();
    if (healthyA != b.isHealthy()) {
      return healthyA ? a : b;
    }
    return b.inFlight() < a.inFlight() ? b : a;
  }

  /** Scans from a random start so that ties go to no index in particular. */
  private static PooledChannel leastLoaded(PooledChannel[] channels, boolean healthyOnly) {
    int n = channels.length;
    int start = ThreadLocalRandom.current().nextInt(n);
    PooledChannel best = null;
    for (int k = 0; k < n; k++) {
      PooledChannel channel = channels[(start + k) % n];
      if ((!healthyOnly || channel.isHealthy())
          && (best == null || channel.inFlight() < best.inFlight())) {
        best = channel;
      }
    }
    return best;
  }

  private PooledChannel pickByAffinity(Object key) {
    PooledChannel[] channels = active;
    if (channels.length == 0) {
      return null;
    }
    long keyHash = key.hashCode() * 0x9E3779B97F4A7C15L;
    // One pass: the best healthy channel, and the best of all for when none is healthy.
    PooledChannel bestHealthy = null;
    long bestHealthyWeight = 0;
    PooledChannel best = null;
    long bestWeight = 0;
    for (PooledChannel channel : channels) {
      long weight = mix(keyHash ^ channel.id);
      if (best == null || Long.compareUnsigned(weight, bestWeight) > 0) {
        best = channel;
        bestWeight = weight;
      }
      if ((bestHealthy == null || Long.compareUnsigned(weight, bestHealthyWeight) > 0)
          && channel.isHealthy()) {
        bestHealthy = channel;
        bestHealthyWeight = weight;
      }
    }
    return bestHealthy != null ? bestHealthy : best;
  }

  /** A 64-bit finalizer (SplitMix64): spreads rendezvous weights evenly. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  // ---- sizing ----

  /**
   * Adds a channel if every healthy channel is at the threshold and returns it; returns the least
   * loaded healthy channel if one has room after all; null if the pool cannot grow.
   */
  private PooledChannel grow() {
    synchronized (lock) {
      PooledChannel[] channels = active;
      if (shutdown || channels.length >= settings.maxChannels) {
        return null;
      }
      PooledChannel roomiest = leastLoaded(channels, true);
      if (roomiest != null && roomiest.inFlight() < callsPerChannel) {
        return roomiest; // another call grew the pool meanwhile, or load fell
      }
      PooledChannel added;
      try {
        added = newChannel(Role.WARMING); // ACTIVE once in the rotation, below
      } catch (RuntimeException e) {
        logger.warn("channel pool {}: could not add a channel; calls stay on the others", name, e);
        return null;
      }
      PooledChannel[] more = Arrays.copyOf(channels, channels.length + 1);
      more[channels.length] = added;
      active = more;
      added.activate();
      grown.incrementAndGet();
      lastResizeNanos = System.nanoTime();
      return added;
    }
  }

  /**
   * Builds, registers and starts connecting a channel; caller holds the lock or is constructing.
   */
  private PooledChannel newChannel(Role role) {
    ManagedChannelBuilder<?> builder =
        Objects.requireNonNull(settings.channelBuilders.get(), "channelBuilders returned null");
    if (settings.plaintext) {
      builder.usePlaintext();
    }
    if (settings.keepAlive != null) {
      settings.keepAlive.applyTo(builder);
    }
    if (settings.customizer != null) {
      settings.customizer.accept(builder);
    }
    ManagedChannel channel = builder.build();
    long now = System.nanoTime();
    long refreshAt = Long.MAX_VALUE;
    if (settings.maxChannelAge != null) {
      double jitter = 1 - REFRESH_JITTER * ThreadLocalRandom.current().nextDouble();
      refreshAt = now + (long) (settings.maxChannelAge.toNanos() * jitter);
    }
    PooledChannel pooled =
        new PooledChannel(
            ids.incrementAndGet(), channel, now, refreshAt, role, callsStarted, callsFailed);
    allChannels.add(pooled);
    watch(pooled, requestConnection(channel));
    return pooled;
  }

  private static ConnectivityState requestConnection(ManagedChannel channel) {
    try {
      return channel.getState(true);
    } catch (UnsupportedOperationException e) {
      return ConnectivityState.IDLE; // a channel that does not report state counts as healthy
    }
  }

  private void watch(PooledChannel pooled, ConnectivityState seen) {
    pooled.onStateChange(seen, System.nanoTime());
    if (seen == ConnectivityState.SHUTDOWN) {
      return;
    }
    if (pooled.role() == Role.WARMING && seen == ConnectivityState.READY) {
      runMaintenanceSoon();
    }
    if (seen == ConnectivityState.IDLE
        && pooled.everReady()
        && pooled.role() != Role.DRAINING
        && !shutdown) {
      // The connection went away (GOAWAY, server restart, idle timeout): the pool keeps its
      // channels connected, so reconnect now rather than on the next call.
      requestConnection(pooled.channel);
    }
    fireStateWatchers();
    try {
      pooled.channel.notifyWhenStateChanged(
          seen, () -> watch(pooled, pooled.channel.getState(false)));
    } catch (UnsupportedOperationException e) {
      // The channel does not report state changes: it stays healthy as far as state goes.
    }
  }

  private void runMaintenanceSoon() {
    try {
      maintenance.execute(this::maintain);
    } catch (RejectedExecutionException e) {
      // Shut down.
    }
  }

  // ---- maintenance ----

  private void maintain() {
    try {
      maintainOnce(System.nanoTime());
    } catch (RuntimeException | Error e) {
      logger.warn("channel pool {}: maintenance failed; retrying at the next pass", name, e);
    }
  }

  private void maintainOnce(long now) {
    synchronized (lock) {
      if (shutdown) {
        return;
      }
      for (PooledChannel channel : active) {
        channel.clearSuspicionIfReady(now);
      }
      finishOrAbandonWarmUps(now);
      startReplacements(now);
      shrinkIfOversized(now);
    }
    allChannels.removeIf(
        c -> c.role() == Role.DRAINING && c.isShutDown() && c.channel.isTerminated());
  }

  private void finishOrAbandonWarmUps(long now) {
    for (PooledChannel old : active) {
      PooledChannel fresh = old.replacement;
      if (fresh == null) {
        continue;
      }
      boolean ready =
          fresh.state() == ConnectivityState.READY
              && (settings.healthService == null || fresh.checkState() == CheckState.SERVING);
      if (ready) {
        swap(old, fresh);
      } else if (now - fresh.warmingSinceNanos >= settings.warmUpTimeout.toNanos()) {
        logger.warn(
            "channel pool {}: replacement {} not ready within {}; keeping {} for now",
            name,
            fresh,
            settings.warmUpTimeout,
            old);
        warming.remove(fresh);
        fresh.retire();
        old.replacement = null;
        old.nextReplaceAttemptNanos = now + settings.replaceUnhealthyAfter.toNanos();
      }
    }
  }

  private void swap(PooledChannel old, PooledChannel fresh) {
    PooledChannel[] channels = active.clone();
    for (int i = 0; i < channels.length; i++) {
      if (channels[i] == old) {
        channels[i] = fresh;
      }
    }
    active = channels;
    warming.remove(fresh);
    old.replacement = null;
    // Retire the old channel before the fresh one takes the ACTIVE role, so no snapshot ever
    // counts more than maxChannels channels ACTIVE. A WARMING channel already takes calls.
    old.retire();
    fresh.activate();
    (fresh.isRefresh ? refreshed : replaced).incrementAndGet();
  }

  private void startReplacements(long now) {
    boolean refreshing = warming.stream().anyMatch(c -> c.isRefresh);
    PooledChannel oldest = null;
    for (PooledChannel channel : active) {
      if (channel.replacement != null || now - channel.nextReplaceAttemptNanos < 0) {
        continue;
      }
      long sickSince = channel.unhealthySinceNanos();
      if (sickSince != 0 && now - sickSince >= settings.replaceUnhealthyAfter.toNanos()) {
        startReplacement(channel, false, now);
      } else if (!refreshing
          && settings.maxChannelAge != null
          && channel.refreshAtNanos - now <= 0
          && (oldest == null || channel.createdNanos < oldest.createdNanos)) {
        oldest = channel;
      }
    }
    if (oldest != null) {
      startReplacement(oldest, true, now); // one refresh at a time
    }
  }

  private void startReplacement(PooledChannel old, boolean refresh, long now) {
    PooledChannel fresh;
    try {
      fresh = newChannel(Role.WARMING);
    } catch (RuntimeException e) {
      logger.warn("channel pool {}: could not create a replacement for {}", name, old, e);
      old.nextReplaceAttemptNanos = now + settings.replaceUnhealthyAfter.toNanos();
      return;
    }
    fresh.isRefresh = refresh;
    fresh.warmingSinceNanos = now;
    old.replacement = fresh;
    warming.add(fresh);
  }

  private void shrinkIfOversized(long now) {
    PooledChannel[] channels = active;
    int total = 0;
    for (PooledChannel channel : channels) {
      total += channel.inFlight();
    }
    long resized = lastResizeNanos;
    if (peakSinceNanos - resized < 0) {
      peakSinceNanos = resized; // a new window starts at each resize
      peakInFlight = 0;
    }
    peakInFlight = Math.max(peakInFlight, total);
    if (channels.length <= settings.minChannels || now - resized < settings.idleTimeout.toNanos()) {
      return;
    }
    int needed = (peakInFlight + callsPerChannel - 1) / callsPerChannel;
    int excess = channels.length - Math.max(settings.minChannels, needed);
    if (excess > 0) {
      PooledChannel[] byLoad = channels.clone();
      Arrays.sort(byLoad, Comparator.comparingInt(PooledChannel::inFlight));
      List<PooledChannel> leaving = Arrays.asList(byLoad).subList(0, excess);
      List<PooledChannel> staying = new ArrayList<>(Arrays.asList(channels));
      staying.removeAll(leaving);
      active = staying.toArray(NO_CHANNELS);
      for (PooledChannel channel : leaving) {
        if (channel.replacement != null) {
          warming.remove(channel.replacement);
          channel.replacement.retire();
          channel.replacement = null;
        }
        channel.retire();
      }
      shrunk.addAndGet(excess);
    }
    lastResizeNanos = now;
  }

  private void checkHealth() {
    if (shutdown) {
      return;
    }
    List<PooledChannel> targets;
    synchronized (lock) {
      targets = new ArrayList<>(Arrays.asList(active));
      targets.addAll(warming);
    }
    HealthCheckRequest request =
        HealthCheckRequest.newBuilder().setService(settings.healthService).build();
    for (PooledChannel channel : targets) {
      if (channel.checkInFlight) {
        continue;
      }
      channel.checkInFlight = true;
      try {
        HealthGrpc.newStub(channel.channel)
            .withDeadlineAfter(settings.healthCheckTimeout.toNanos(), TimeUnit.NANOSECONDS)
            .check(request, new HealthObserver(channel));
      } catch (RuntimeException e) {
        channel.checkInFlight = false;
        channel.onCheckResult(CheckState.FAILING, "health check failed: " + e, System.nanoTime());
      }
    }
  }

  /** Records one health-check outcome. */
  private final class HealthObserver implements StreamObserver<HealthCheckResponse> {
    private final PooledChannel channel;

    HealthObserver(PooledChannel channel) {
      this.channel = channel;
    }

    @Override
    public void onNext(HealthCheckResponse response) {
      HealthCheckResponse.ServingStatus status = response.getStatus();
      boolean serving = status == HealthCheckResponse.ServingStatus.SERVING;
      channel.onCheckResult(
          serving ? CheckState.SERVING : CheckState.FAILING,
          "health check: " + status,
          System.nanoTime());
      if (serving && channel.role() == Role.WARMING) {
        runMaintenanceSoon();
      }
    }

    @Override
    public void onError(Throwable t) {
      Status status = Status.fromThrowable(t);
      channel.onCheckResult(
          CheckState.FAILING,
          "health check failed: "
              + status.getCode()
              + (status.getDescription() == null ? "" : " " + status.getDescription()),
          System.nanoTime());
      channel.checkInFlight = false;
    }

    @Override
    public void onCompleted() {
      channel.checkInFlight = false;
    }
  }

  // ---- connectivity state of the pool ----

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

  private void fireStateWatchers() {
    List<StateWatcher> due = new ArrayList<>();
    synchronized (lock) {
      if (stateWatchers.isEmpty()) {
        return;
      }
      ConnectivityState now = getState(false);
      stateWatchers.removeIf(
          w -> {
            if (w.source != now) {
              due.add(w);
              return true;
            }
            return false;
          });
    }
    for (StateWatcher watcher : due) {
      watcher.fire();
    }
  }

  private static final class StateWatcher {
    final ConnectivityState source;
    final Runnable callback;

    StateWatcher(ConnectivityState source, Runnable callback) {
      this.source = source;
      this.callback = callback;
    }

    void fire() {
      try {
        callback.run();
      } catch (RuntimeException e) {
        logger.warn("a connectivity state callback threw", e);
      }
    }
  }

  private ScheduledExecutorService newMaintenanceExecutor() {
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread thread = new Thread(r, "switchboard-pool-maintenance");
              thread.setDaemon(true);
              return thread;
            });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    return executor;
  }

  /** A call that fails when started: used once the pool is shut down. */
  private static final class FailingCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
    private final Status status;
    private final Executor executor;

    FailingCall(Status status, Executor executor) {
      this.status = status;
      this.executor = executor;
    }

    @Override
    public void start(Listener<RespT> listener, Metadata headers) {
      Runnable close = () -> listener.onClose(status, new Metadata());
      if (executor == null) {
        close.run();
      } else {
        executor.execute(close);
      }
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void cancel(String message, Throwable cause) {}

    @Override
    public void halfClose() {}

    @Override
    public void sendMessage(ReqT message) {}
  }

  /**
   * Settings of a {@link ChannelPool}; each setter checks its argument at once, {@link #build()}
   * checks that they fit together. A builder may build several pools; it is not thread-safe.
   */
  public static final class Builder {
    private final String target;
    private final Supplier<? extends ManagedChannelBuilder<?>> channelBuilders;
    private String name;
    private boolean plaintext;
    private ClientKeepAlive keepAlive;
    private Consumer<ManagedChannelBuilder<?>> customizer;
    private int minChannels = DEFAULT_MIN_CHANNELS;
    private int maxChannels = DEFAULT_MAX_CHANNELS;
    private int callsPerChannel; // 0: derive
    private int maxConcurrentStreams; // 0: unknown
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration maxChannelAge; // null: no refresh
    private Duration replaceUnhealthyAfter = DEFAULT_REPLACE_UNHEALTHY_AFTER;
    private Duration warmUpTimeout = DEFAULT_WARM_UP_TIMEOUT;
    private Duration maintenanceInterval = DEFAULT_MAINTENANCE_INTERVAL;
    private String healthService; // null: no health checks
    private Duration healthCheckInterval = DEFAULT_HEALTH_CHECK_INTERVAL;
    private Duration healthCheckTimeout = DEFAULT_HEALTH_CHECK_TIMEOUT;

    private Builder(String target, Supplier<? extends ManagedChannelBuilder<?>> channelBuilders) {
      this.target = target;
      this.channelBuilders = channelBuilders;
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
     * built: interceptors, executors, limits, credentials. With {@link ChannelPool#forTarget} the
     * builder is a {@link NettyChannelBuilder}. If the customizer throws, {@link #build()} throws
     * it; later, growth or replacement is skipped and logged (see {@link ChannelPool}).
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
     * @throws IllegalArgumentException if below 1
     */
    public Builder minChannels(int minChannels) {
      if (minChannels < 1) {
        throw new IllegalArgumentException("minChannels: " + minChannels + " (expected: >= 1)");
      }
      this.minChannels = minChannels;
      return this;
    }

    /**
     * Sets the channels the pool grows to at most (default {@value #DEFAULT_MAX_CHANNELS}).
     *
     * @throws IllegalArgumentException if below 1 or over 1024
     */
    public Builder maxChannels(int maxChannels) {
      if (maxChannels < 1 || maxChannels > 1024) {
        throw new IllegalArgumentException("maxChannels: " + maxChannels + " (expected: 1..1024)");
      }
      this.maxChannels = maxChannels;
      return this;
    }

    /**
     * Tells the pool the server's HTTP/2 MAX_CONCURRENT_STREAMS, which grpc-java does not expose:
     * unless {@link #callsPerChannel} is set, the pool grows when every channel carries that many
     * calls.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxConcurrentStreams(int maxConcurrentStreams) {
      if (maxConcurrentStreams < 1) {
        throw new IllegalArgumentException(
            "maxConcurrentStreams: " + maxConcurrentStreams + " (expected: >= 1)");
      }
      this.maxConcurrentStreams = maxConcurrentStreams;
      return this;
    }

    /**
     * Sets the calls in flight per channel at which the pool grows (default: {@link
     * #maxConcurrentStreams} if set, else {@value #DEFAULT_CALLS_PER_CHANNEL}).
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder callsPerChannel(int callsPerChannel) {
      if (callsPerChannel < 1) {
        throw new IllegalArgumentException(
            "callsPerChannel: " + callsPerChannel + " (expected: >= 1)");
      }
      this.callsPerChannel = callsPerChannel;
      return this;
    }

    /**
     * Sets how long the pool must have been oversized before it shrinks (default 2 minutes).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = ClientKeepAlive.requirePositive("idleTimeout", idleTimeout);
      return this;
    }

    /**
     * Refreshes each channel when it reaches this age, minus up to 20 % jitter, one channel at a
     * time (default: never).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxChannelAge(Duration maxChannelAge) {
      this.maxChannelAge = ClientKeepAlive.requirePositive("maxChannelAge", maxChannelAge);
      return this;
    }

    /**
     * Sets how long a channel may stay unhealthy before the pool replaces it (default 10 s).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder replaceUnhealthyAfter(Duration replaceUnhealthyAfter) {
      this.replaceUnhealthyAfter =
          ClientKeepAlive.requirePositive("replaceUnhealthyAfter", replaceUnhealthyAfter);
      return this;
    }

    /**
     * Sets how long a replacement may take to become READY (and SERVING) before it is dropped
     * (default 20 s).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder warmUpTimeout(Duration warmUpTimeout) {
      this.warmUpTimeout = ClientKeepAlive.requirePositive("warmUpTimeout", warmUpTimeout);
      return this;
    }

    /**
     * Sets the time between maintenance passes: sizing, replacement, refresh (default 1 s).
     *
     * @throws IllegalArgumentException if not within 1 ms..1 min
     */
    public Builder maintenanceInterval(Duration maintenanceInterval) {
      ClientKeepAlive.requirePositive("maintenanceInterval", maintenanceInterval);
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
      ClientKeepAlive.requirePositive("interval", interval);
      ClientKeepAlive.requirePositive("timeout", timeout);
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
      return new ChannelPool(copy());
    }

    int callsPerChannel() {
      if (callsPerChannel > 0) {
        return callsPerChannel;
      }
      return maxConcurrentStreams > 0 ? maxConcurrentStreams : DEFAULT_CALLS_PER_CHANNEL;
    }

    private Builder copy() {
      Builder copy = new Builder(target, channelBuilders);
      copy.name = name;
      copy.plaintext = plaintext;
      copy.keepAlive = keepAlive;
      copy.customizer = customizer;
      copy.minChannels = minChannels;
      copy.maxChannels = maxChannels;
      copy.callsPerChannel = callsPerChannel;
      copy.maxConcurrentStreams = maxConcurrentStreams;
      copy.idleTimeout = idleTimeout;
      copy.maxChannelAge = maxChannelAge;
      copy.replaceUnhealthyAfter = replaceUnhealthyAfter;
      copy.warmUpTimeout = warmUpTimeout;
      copy.maintenanceInterval = maintenanceInterval;
      copy.healthService = healthService;
      copy.healthCheckInterval = healthCheckInterval;
      copy.healthCheckTimeout = healthCheckTimeout;
      return copy;
    }
  }
}
