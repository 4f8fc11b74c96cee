package io.switchboard.pool;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.switchboard.pool.ChannelStats.Role;
import io.switchboard.pool.PooledChannel.CheckState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns a pool's channels: the rotation that calls are picked from, the channels warming up to join
 * it and every channel not yet terminated. It builds channels and watches their connectivity; grows
 * the rotation on a calling thread ({@link #grow()}); and on each pass ({@link #maintainOnce})
 * swaps in warmed-up channels or abandons those that took too long, starts replacements of channels
 * unhealthy for too long and refreshes of channels past their age (one at a time), and shrinks an
 * oversized rotation. Channels leaving the rotation drain: they shut down when their last call
 * ends.
 *
 * <p>Passes run on the pool's maintenance thread (or a test's); {@link #grow()} and the
 * connectivity callbacks run on any thread. The rotation is an array replaced as a whole (copy on
 * write) under {@link #lock}, so picking reads it without a lock.
 */
final class Maintainer {
  /**
   * Refresh happens at maxChannelAge minus up to this fraction, so channels do not expire as one.
   */
  static final double REFRESH_JITTER = 0.2;

  /**
   * A channel that goes IDLE is left idle (it connects on its next call) once its pool has carried
   * no call for this many maintenance passes; before that, it is reconnected at once. Two passes:
   * one pass may sample between two calls; a server closes idle connections after minutes.
   */
  static final int IDLE_PASSES_BEFORE_REST = 2;

  private static final Logger logger = LoggerFactory.getLogger(ChannelPool.class);
  private static final PooledChannel[] NO_CHANNELS = new PooledChannel[0];

  private final PoolSettings settings;
  private final Supplier<ManagedChannel> channelFactory;
  private final Picker picker;
  private final LongSupplier clock;

  /** Runs a pass soon: the maintenance thread's executor. */
  private final Executor passes;

  /** Told whenever a channel's connectivity state changed. */
  private final Runnable onStateChange;

  private final PoolMetrics metrics;

  private final Object lock = new Object();
  private final AtomicInteger ids = new AtomicInteger();
  private final Set<PooledChannel> all = ConcurrentHashMap.newKeySet();
  private final AtomicLong grown = new AtomicLong();
  private final AtomicLong shrunk = new AtomicLong();
  private final AtomicLong replaced = new AtomicLong();
  private final AtomicLong refreshed = new AtomicLong();

  /** Pool-wide call counters: unlike the channels' own, they survive the channels' removal. */
  private final LongAdder callsStarted = new LongAdder();

  private final LongAdder callsFailed = new LongAdder();

  private final String name;
  private final String authority;

  /** The channels in rotation; replaced as a whole under {@link #lock}. */
  private volatile PooledChannel[] active = NO_CHANNELS;

  private volatile boolean closed;
  private volatile long lastResizeNanos;

  /** When a pass last saw calls in flight or calls started since the pass before. */
  private volatile long lastBusyNanos;

  /** {@link #callsStarted} at the last pass. */
  private volatile long startedAtLastPass;

  // Guarded by lock.
  private final List<PooledChannel> warming = new ArrayList<>();

  // Maintenance thread only.
  private int peakInFlight;
  private long peakSinceNanos;

  /**
   * Builds the first {@link PoolSettings#minChannels} channels and starts connecting them.
   *
   * @param channelFactory builds a channel ({@link PoolSettings#newChannel} in a pool)
   * @param passes where {@link #runSoon()} sends a pass
   * @param onStateChange told after any channel's connectivity state changed
   * @param metrics told how long each warm-up took
   * @param clock {@code System::nanoTime} in a pool
   * @throws RuntimeException whatever building a channel throws (the channels built are shut down)
   */
  Maintainer(
      PoolSettings settings,
      Supplier<ManagedChannel> channelFactory,
      Picker picker,
      Executor passes,
      Runnable onStateChange,
      PoolMetrics metrics,
      LongSupplier clock) {
    this.settings = settings;
    this.channelFactory = channelFactory;
    this.picker = picker;
    this.clock = clock;
    this.passes = passes;
    this.onStateChange = onStateChange;
    this.metrics = metrics;
    List<PooledChannel> initial = new ArrayList<>();
    try {
      for (int i = 0; i < settings.minChannels; i++) {
        initial.add(newChannel(Role.ACTIVE));
      }
    } catch (RuntimeException | Error e) {
      for (PooledChannel channel : initial) {
        channel.channel.shutdownNow();
      }
      throw e;
    }
    this.authority = initial.get(0).channel.authority();
    this.name = settings.nameOr(authority);
    synchronized (lock) {
      active = initial.toArray(NO_CHANNELS);
    }
    long now = clock.getAsLong();
    lastResizeNanos = now;
    lastBusyNanos = now;
  }

  String name() {
    return name;
  }

  String authority() {
    return authority;
  }

  /** The channels in rotation; do not modify the array. */
  PooledChannel[] active() {
    return active;
  }

  /** The channels to health-check: those in rotation and those warming up. */
  List<PooledChannel> checkable() {
    synchronized (lock) {
      List<PooledChannel> channels = new ArrayList<>(Arrays.asList(active));
      channels.addAll(warming);
      return channels;
    }
  }

  /** Every channel not yet removed after terminating. */
  Set<PooledChannel> all() {
    return all;
  }

  long callsStarted() {
    return callsStarted.sum();
  }

  /** Returns the calls in flight over every channel, in rotation or draining. */
  int callsInFlight() {
    int total = 0;
    for (PooledChannel channel : all) {
      total += channel.inFlight();
    }
    return total;
  }

  /**
   * Stops growth, passes and reconnects; channels are shut down by the caller.
   *
   * @return false if already closed
   */
  boolean close() {
    synchronized (lock) {
      if (closed) {
        return false;
      }
      closed = true;
      return true;
    }
  }

  /** Asks the maintenance thread for a pass now (after a warm-up made progress). */
  void runSoon() {
    try {
      passes.execute(this::maintain);
    } catch (RejectedExecutionException e) {
      // Shut down.
    }
  }

  /** Runs one pass now, logging what it throws. */
  void maintain() {
    try {
      maintainOnce(clock.getAsLong());
    } catch (RuntimeException | Error e) {
      logger.warn("channel pool {}: maintenance failed; retrying at the next pass", name, e);
    }
  }

  /** One pass at time {@code now} (nanoTime): warm-ups, replacements, refreshes, shrinking. */
  void maintainOnce(long now) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      for (PooledChannel channel : active) {
        channel.clearSuspicionIfReady(now);
      }
      noteActivity(now);
      finishOrAbandonWarmUps(now);
      startReplacements(now);
      shrinkIfOversized(now);
    }
    all.removeIf(c -> c.role() == Role.DRAINING && c.isShutDown() && c.channel.isTerminated());
  }

  // ---- growth (calling threads) ----

  /**
   * Adds a channel to the rotation if every healthy channel is full and returns it; returns the
   * least loaded healthy channel if one has room after all; null if the pool cannot grow (at
   * maxChannels, closed, or building a channel failed, which is logged).
   */
  PooledChannel grow() {
    synchronized (lock) {
      PooledChannel[] channels = active;
      if (closed || channels.length >= settings.maxChannels) {
        return null;
      }
      PooledChannel roomiest = Picker.leastLoaded(channels, true);
      if (roomiest != null && !picker.isFull(roomiest)) {
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
      lastResizeNanos = clock.getAsLong();
      return added;
    }
  }

  // ---- channels and their connectivity ----

  /** Builds, registers and starts connecting a channel; caller holds the lock or constructs. */
  private PooledChannel newChannel(Role role) {
    ManagedChannel channel = channelFactory.get();
    long now = clock.getAsLong();
    long refreshAt = Long.MAX_VALUE;
    if (settings.maxChannelAge != null) {
      double jitter = 1 - REFRESH_JITTER * ThreadLocalRandom.current().nextDouble();
      refreshAt = now + (long) (settings.maxChannelAge.toNanos() * jitter);
    }
    PooledChannel pooled =
        new PooledChannel(
            ids.incrementAndGet(), channel, now, refreshAt, role, callsStarted, callsFailed);
    all.add(pooled);
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
    long now = clock.getAsLong();
    boolean lostConnection = seen == ConnectivityState.IDLE && pooled.everReady();
    boolean reconnect =
        lostConnection && pooled.role() != Role.DRAINING && !closed && !isResting(now);
    // A channel left idle stays healthy: grpc connects it on its next call.
    pooled.onStateChange(seen, lostConnection && !reconnect, now);
    if (seen == ConnectivityState.SHUTDOWN) {
      return;
    }
    if (pooled.role() == Role.WARMING && seen == ConnectivityState.READY) {
      runSoon();
    }
    if (reconnect) {
      // The connection went away (GOAWAY, server restart) while the pool is busy: reconnect now
      // rather than on the next call. An idle pool's channel stays idle, so a server that closes
      // idle connections (KeepAlivePreset.MOBILE) gets them closed.
      requestConnection(pooled.channel);
    }
    onStateChange.run();
    try {
      pooled.channel.notifyWhenStateChanged(
          seen, () -> watch(pooled, pooled.channel.getState(false)));
    } catch (UnsupportedOperationException e) {
      // The channel does not report state changes: it stays healthy as far as state goes.
    }
  }

  /**
   * True if the pool has carried no call for {@link #IDLE_PASSES_BEFORE_REST} passes: nothing in
   * flight, nothing started since the last pass, and no pass saw either for that long.
   */
  private boolean isResting(long now) {
    return now - lastBusyNanos >= IDLE_PASSES_BEFORE_REST * settings.maintenanceInterval.toNanos()
        && callsStarted.sum() == startedAtLastPass
        && callsInFlight() == 0;
  }

  // ---- passes (maintenance thread) ----

  private void noteActivity(long now) {
    long started = callsStarted.sum();
    if (started != startedAtLastPass || callsInFlight() > 0) {
      lastBusyNanos = now;
      startedAtLastPass = started;
    }
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
        metrics.warmedUp(now - fresh.warmingSinceNanos);
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
    // Retire the old channel before the fresh one takes the ACTIVE role, so no stats ever
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
    int perChannel = settings.callsPerChannel;
    int needed = (peakInFlight + perChannel - 1) / perChannel;
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

  // ---- counters ----

  /** Returns the channels and counters now, for {@link ChannelPool#stats()}. */
  PoolStats stats(boolean shutdown, boolean healthy) {
    long now = clock.getAsLong();
    // Roles come from one read of the rotation, so the stats never show more ACTIVE channels than
    // maxChannels while a channel is being swapped in or out.
    Set<PooledChannel> rotation = Set.of(active);
    List<PooledChannel> channels = new ArrayList<>(all);
    channels.sort(Comparator.comparingInt(c -> c.id));
    List<ChannelStats> stats = new ArrayList<>(channels.size());
    for (PooledChannel channel : channels) {
      if (!(channel.isShutDown() && channel.channel.isTerminated() && !shutdown)) {
        stats.add(channel.stats(now, rotation.contains(channel)));
      }
    }
    return new PoolStats(
        name,
        shutdown,
        healthy,
        stats,
        grown.get(),
        shrunk.get(),
        replaced.get(),
        refreshed.get(),
        callsStarted.sum(),
        callsFailed.sum());
  }
}
