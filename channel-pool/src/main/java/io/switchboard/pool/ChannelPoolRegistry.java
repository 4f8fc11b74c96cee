package io.switchboard.pool;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
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
 *         target -> ChannelPool.forTarget(target).build())
 *     .expireAfterUnused(Duration.ofMinutes(10))
 *     .build();
 * UserServiceGrpc.newFutureStub(pools.get("dns:///users.internal:443")).getUser(request);
 * }</pre>
 *
 * <p>"Used" means obtained with {@link #get}: get the pool from the registry for each unit of work
 * (a map lookup) rather than keeping it, or a pool you hold may expire while you still use it.
 * Expiry shuts a pool down gracefully: calls in flight finish; new calls on it fail with {@code
 * UNAVAILABLE}. Built on Caffeine ({@code expireAfterAccess} with the system scheduler, so pools
 * expire on time even when the registry is idle). Thread-safe.
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

  private static final Logger logger = LoggerFactory.getLogger(ChannelPoolRegistry.class);

  private final Function<String, ChannelPool> factory;
  private final Cache<String, ChannelPool> pools;
  private volatile boolean closed;

  private ChannelPoolRegistry(Builder builder) {
    this.factory = builder.factory;
    Caffeine<Object, Object> caffeine =
        Caffeine.newBuilder()
            .expireAfterAccess(builder.expireAfterUnused.toNanos(), TimeUnit.NANOSECONDS)
            .scheduler(Scheduler.systemScheduler())
            // Removal shuts a pool down, which does not block: run it at once, so close() and
            // remove() have shut the pool down when they return.
            .executor(Runnable::run);
    caffeine.maximumSize(builder.maxPools);
    this.pools =
        caffeine
            .removalListener(
                (String key, ChannelPool pool, RemovalCause cause) -> {
                  if (pool != null) {
                    logger.debug("channel pool {} removed ({}), shutting down", key, cause);
                    pool.shutdown();
                  }
                })
            .build();
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

  /**
   * Returns the pool for {@code key}, creating it if there is none (or the previous one was shut
   * down), and marks it used.
   *
   * @throws NullPointerException if the key is null, or the factory returned null
   * @throws IllegalStateException if the registry is closed
   * @throws RuntimeException whatever the factory throws
   */
  public ChannelPool get(String key) {
    Objects.requireNonNull(key, "key");
    if (closed) {
      throw new IllegalStateException("channel pool registry is closed");
    }
    ChannelPool pool = pools.get(key, this::create);
    if (pool.isShutdown()) {
      // Shut down by its user: replace it.
      pools.asMap().remove(key, pool);
      pool = pools.get(key, this::create);
    }
    if (closed) {
      // close() ran while we created or fetched the pool, and may have missed it: do not leave a
      // live pool in a closed registry.
      pools.asMap().remove(key, pool);
      pool.shutdown();
      throw new IllegalStateException("channel pool registry is closed");
    }
    return pool;
  }

  /** Returns the pool for {@code key} if there is one, without creating it or marking it used. */
  public ChannelPool getIfPresent(String key) {
    Objects.requireNonNull(key, "key");
    return pools.policy().getIfPresentQuietly(key);
  }

  /** Returns the number of pools held now (approximate while pools expire). */
  public long size() {
    pools.cleanUp();
    return pools.estimatedSize();
  }

  /**
   * Removes the pool for {@code key}, if any, and shuts it down gracefully.
   *
   * @throws NullPointerException if the key is null
   */
  public void remove(String key) {
    pools.invalidate(Objects.requireNonNull(key, "key"));
  }

  /**
   * Shuts down every pool gracefully (calls in flight finish) and refuses further {@link #get}s.
   * Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    pools.invalidateAll();
    pools.cleanUp();
  }

  private ChannelPool create(String key) {
    return Objects.requireNonNull(factory.apply(key), "factory returned null for " + key);
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
     * Sets how long a pool may go without a {@link ChannelPoolRegistry#get} before it is shut down
     * (default 10 minutes).
     *
     * @throws NullPointerException if the duration is null
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder expireAfterUnused(Duration expireAfterUnused) {
      this.expireAfterUnused =
          ClientKeepAlive.requirePositive("expireAfterUnused", expireAfterUnused);
      return this;
    }

    /**
     * Bounds the number of pools (default {@value ChannelPoolRegistry#DEFAULT_MAX_POOLS}); beyond
     * it pools chosen by Caffeine's size-based eviction (not strictly the least recently used) are
     * shut down.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxPools(long maxPools) {
      if (maxPools < 1) {
        throw new IllegalArgumentException("maxPools: " + maxPools + " (expected: >= 1)");
      }
      this.maxPools = maxPools;
      return this;
    }

    /** Builds the registry. */
    public ChannelPoolRegistry build() {
      return new ChannelPoolRegistry(this);
    }
  }
}
