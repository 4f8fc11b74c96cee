package io.switchboard.pool;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.switchboard.core.ExperimentalApi;
import io.switchboard.core.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands out one {@link ChannelPool} per key (a target, or a service name your factory maps to a
 * target), creating it on first use and shutting it down gracefully once it has gone unused for
 * {@link Builder#expireAfterUnused}.
 *
 * <pre>{@code
 * ChannelPoolRegistry pools = ChannelPoolRegistry.newBuilder(
 *         target -> ChannelPool.newBuilder(target).build())
 *     .expireAfterUnused(Duration.ofMinutes(10))
 *     .build();
 * UserServiceGrpc.newFutureStub(pools.get("dns:///users.internal:443")).getUser(request);
 * }</pre>
 *
 * <p>A pool is in use while it has calls in flight or an open {@link #lease}, and it was used when
 * it was obtained with {@link #get} or {@link #lease} or started a call. A pool expires once it has
 * been out of use for {@code expireAfterUnused}: the registry looks a few times per that period
 * ({@value #SWEEPS_PER_EXPIRY} times, at most every minute), so a pool expires up to a quarter of
 * the period (at most a minute) late. A pool in use is never expired: keep a pool across idle gaps
 * longer than the period with a {@link #lease}, or get it again for each unit of work (a map
 * lookup). Expiry shuts a pool down gracefully: calls in flight finish; new calls on it fail with
 * {@code UNAVAILABLE}. Checks run on a JVM-wide scheduling thread (Caffeine's system scheduler) and
 * the common fork-join pool; the registry starts no thread of its own. Thread-safe.
 */
public final class ChannelPoolRegistry implements AutoCloseable {
  /**
   * Ten minutes: a service called less often than that pays one connection setup per call burst,
   * while sockets of services no longer called are freed.
   */
  public static final Duration DEFAULT_EXPIRE_AFTER_UNUSED = Duration.ofMinutes(10);

  /**
   * 1024 pools: each holds at least one connection and a maintenance thread; a process talking to
   * more distinct targets than that is more likely leaking keys than serving them.
   */
  public static final long DEFAULT_MAX_POOLS = 1024;

  /** Checks for expiry per expireAfterUnused period: a pool expires at most a quarter late. */
  static final int SWEEPS_PER_EXPIRY = 4;

  /** At most a minute between checks: a 10-minute expiry is then at most a minute late. */
  static final Duration MAX_SWEEP_INTERVAL = Duration.ofMinutes(1);

  /** At least 10 ms between checks, however short the expiry: checks stay cheap. */
  static final Duration MIN_SWEEP_INTERVAL = Duration.ofMillis(10);

  private static final Logger logger = LoggerFactory.getLogger(ChannelPoolRegistry.class);

  private final Function<String, ChannelPool> factory;
  private final Duration expireAfterUnused;
  private final long maxPools;
  private final long sweepNanos;
  private final Cache<String, Entry> pools;

  /** Pools evicted for size while in use: shut down once out of use. */
  private final Set<Entry> retiring = ConcurrentHashMap.newKeySet();

  private final Object sweepLock = new Object();
  private Future<?> nextSweep; // guarded by sweepLock
  private volatile boolean closed;

  private ChannelPoolRegistry(Builder builder) {
    this.factory = builder.factory;
    this.expireAfterUnused = builder.expireAfterUnused;
    this.maxPools = builder.maxPools;
    this.sweepNanos =
        Math.max(
            MIN_SWEEP_INTERVAL.toNanos(),
            Math.min(
                expireAfterUnused.toNanos() / SWEEPS_PER_EXPIRY, MAX_SWEEP_INTERVAL.toNanos()));
    this.pools =
        Caffeine.newBuilder()
            .maximumSize(maxPools)
            // Removal shuts a pool down, which does not block: run it at once, so close() and
            // remove() have shut the pool down when they return.
            .executor(Runnable::run)
            .removalListener(
                (String key, Entry entry, RemovalCause cause) -> {
                  if (entry != null) {
                    onRemoval(key, entry, cause);
                  }
                })
            .build();
    scheduleSweep();
  }

  /**
   * Returns a builder whose pools come from {@code factory}, called with the key on first use.
   *
   * @param factory makes the pool for a key; if it throws, {@link #get} throws the same exception
   *     and nothing is cached; it must not return null
   * @throws NullPointerException if the factory is null
   */
  public static Builder newBuilder(Function<String, ChannelPool> factory) {
    return new Builder(Objects.requireNonNull(factory, "factory"));
  }

  /** Returns a builder that starts from this registry's factory and settings. */
  public Builder toBuilder() {
    Builder builder = new Builder(factory);
    builder.expireAfterUnused = expireAfterUnused;
    builder.maxPools = maxPools;
    return builder;
  }

  /**
   * Returns the pool for {@code key}, creating it if there is none (or the previous one was shut
   * down), and marks it used.
   *
   * @throws NullPointerException if the key is null, or the factory returned null
   * @throws IllegalStateException if the registry is closed
   * @throws RuntimeException whatever the factory throws
   */
  public ChannelPool get(String key) {
    return obtain(key, false).pool;
  }

  /**
   * Returns the pool for {@code key} (as {@link #get} does) held by a lease: the pool does not
   * expire until the lease is closed, however long it goes without calls. Expiry counts from the
   * lease's close. {@link #remove} and {@link #close()} still shut a leased pool down.
   *
   * <pre>{@code
   * try (ChannelPoolRegistry.Lease lease = pools.lease("users")) {
   *   UserServiceGrpc.UserServiceBlockingStub users = UserServiceGrpc.newBlockingStub(lease.pool());
   *   ... // hours of occasional calls
   * }
   * }</pre>
   *
   * @throws NullPointerException if the key is null, or the factory returned null
   * @throws IllegalStateException if the registry is closed
   * @throws RuntimeException whatever the factory throws
   */
  @ExperimentalApi("leases are new; the registry may also learn to lease per target group")
  public Lease lease(String key) {
    return new Lease(obtain(key, true));
  }

  private Entry obtain(String key, boolean lease) {
    Objects.requireNonNull(key, "key");
    if (closed) {
      throw new IllegalStateException("channel pool registry is closed");
    }
    Entry entry =
        pools
            .asMap()
            .compute(
                key,
                (k, existing) -> {
                  // A pool its user shut down is replaced (the removal listener sees the old one).
                  Entry e =
                      existing == null || existing.pool.isShutdown()
                          ? new Entry(create(k))
                          : existing;
                  e.lastUsedNanos = System.nanoTime();
                  if (lease) {
                    e.leases.incrementAndGet();
                  }
                  return e;
                });
    if (closed) {
      // close() ran while we created or fetched the pool, and may have missed it: do not leave a
      // live pool in a closed registry.
      pools.asMap().remove(key, entry);
      entry.pool.shutdown();
      throw new IllegalStateException("channel pool registry is closed");
    }
    return entry;
  }

  /** Returns the pool for {@code key} if there is one, without creating it or marking it used. */
  public ChannelPool getIfPresent(String key) {
    Objects.requireNonNull(key, "key");
    Entry entry = pools.policy().getIfPresentQuietly(key);
    return entry == null ? null : entry.pool;
  }

  /** Returns the number of pools held now (approximate while pools expire). */
  public long size() {
    pools.cleanUp();
    return pools.estimatedSize();
  }

  /**
   * Removes the pool for {@code key}, if any, and shuts it down gracefully, in use or not.
   *
   * @throws NullPointerException if the key is null
   */
  public void remove(String key) {
    pools.invalidate(Objects.requireNonNull(key, "key"));
  }

  /**
   * Shuts down every pool gracefully (calls in flight finish), in use or not, and refuses further
   * {@link #get}s. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    synchronized (sweepLock) {
      if (nextSweep != null) {
        nextSweep.cancel(false);
      }
    }
    pools.invalidateAll();
    pools.cleanUp();
    for (Entry entry : retiring) {
      entry.pool.shutdown();
    }
    retiring.clear();
  }

  private ChannelPool create(String key) {
    return Objects.requireNonNull(factory.apply(key), "factory returned null for " + key);
  }

  private void onRemoval(String key, Entry entry, RemovalCause cause) {
    if (cause == RemovalCause.SIZE && !closed && entry.inUse()) {
      logger.debug("channel pool {} evicted for size while in use; shut down once out of use", key);
      retiring.add(entry);
      return;
    }
    logger.debug("channel pool {} removed ({}), shutting down", key, cause);
    entry.pool.shutdown();
  }

  private void scheduleSweep() {
    synchronized (sweepLock) {
      if (!closed) {
        nextSweep =
            Scheduler.systemScheduler()
                .schedule(ForkJoinPool.commonPool(), this::sweep, sweepNanos, TimeUnit.NANOSECONDS);
      }
    }
  }

  /** Expires the pools out of use for expireAfterUnused; shuts down retiring pools out of use. */
  void sweep() {
    try {
      long now = System.nanoTime();
      long expireNanos = expireAfterUnused.toNanos();
      for (String key : pools.asMap().keySet()) {
        pools
            .asMap()
            .computeIfPresent(
                key,
                (k, entry) -> {
                  if (entry.pool.isShutdown()) {
                    return null; // shut down by its user
                  }
                  entry.noteUse(now);
                  return now - entry.lastUsedNanos >= expireNanos ? null : entry;
                });
      }
      retiring.removeIf(
          entry -> {
            if (entry.inUse()) {
              return false;
            }
            entry.pool.shutdown();
            return true;
          });
    } catch (RuntimeException e) {
      logger.warn("channel pool registry: expiry check failed; retrying at the next one", e);
    } finally {
      scheduleSweep();
    }
  }

  /** A pool and what tells whether it is in use. */
  private static final class Entry {
    final ChannelPool pool;
    final AtomicInteger leases = new AtomicInteger();
    volatile long lastUsedNanos;

    /** The pool's calls started at the last sweep; read and written under the map's lock. */
    long startedAtLastSweep;

    Entry(ChannelPool pool) {
      this.pool = pool;
      this.startedAtLastSweep = pool.callsStarted();
    }

    boolean inUse() {
      return leases.get() > 0 || pool.callsInFlight() > 0;
    }

    /** Marks the pool used now if it is in use or started calls since the last sweep. */
    void noteUse(long now) {
      long started = pool.callsStarted();
      if (started != startedAtLastSweep || inUse()) {
        startedAtLastSweep = started;
        lastUsedNanos = now;
      }
    }
  }

  /**
   * A pool held from a {@link ChannelPoolRegistry}: it does not expire while the lease is open.
   * Close it when done; closing again does nothing. Thread-safe.
   */
  @ExperimentalApi("leases are new; the registry may also learn to lease per target group")
  public static final class Lease implements AutoCloseable {
    private final Entry entry;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Lease(Entry entry) {
      this.entry = entry;
    }

    /** Returns the leased pool (also after the lease is closed, when it may expire). */
    public ChannelPool pool() {
      return entry.pool;
    }

    /** Ends the lease: the pool may expire after expireAfterUnused from now. Idempotent. */
    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        entry.lastUsedNanos = System.nanoTime();
        entry.leases.decrementAndGet();
      }
    }
  }

  /** Settings of a {@link ChannelPoolRegistry}. */
  public static final class Builder {
    private final Function<String, ChannelPool> factory;
    private Duration expireAfterUnused = DEFAULT_EXPIRE_AFTER_UNUSED;
    private long maxPools = DEFAULT_MAX_POOLS;

    private Builder(Function<String, ChannelPool> factory) {
      this.factory = factory;
    }

    /**
     * Sets how long a pool may stay out of use (no calls in flight, no lease, no call started, no
     * {@link ChannelPoolRegistry#get}) before it is shut down (default 10 minutes).
     *
     * @throws NullPointerException if the duration is null
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder expireAfterUnused(Duration expireAfterUnused) {
      this.expireAfterUnused = Checks.positive("expireAfterUnused", expireAfterUnused);
      return this;
    }

    /**
     * Bounds the number of pools (default {@value ChannelPoolRegistry#DEFAULT_MAX_POOLS}); beyond
     * it pools chosen by Caffeine's size-based eviction (not strictly the least recently used)
     * leave the registry, and are shut down once out of use.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxPools(long maxPools) {
      this.maxPools = Checks.positive("maxPools", maxPools);
      return this;
    }

    /** Builds the registry. */
    public ChannelPoolRegistry build() {
      return new ChannelPoolRegistry(this);
    }
  }
}
