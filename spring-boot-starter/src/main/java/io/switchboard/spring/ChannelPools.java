package io.switchboard.spring;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.switchboard.pool.ChannelPool;
import io.switchboard.pool.PoolStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.core.env.PropertyResolver;

/**
 * The application's channel pools, one per client named under {@code switchboard.pool.clients}.
 * Each pool is built on first use ({@link #get(String)}, or a Spring gRPC channel of that name),
 * then shared: every stub of a client calls through the same pool. The settings of every client are
 * checked when this object is created, so a bad value stops the application's start. The pools are
 * shut down when the application context closes: calls in flight get {@link
 * SwitchboardPoolProperties#shutdownGrace()} to finish, then are cancelled.
 *
 * <p>Thread-safe.
 */
public final class ChannelPools implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(ChannelPools.class);

  private final Map<String, SwitchboardPoolProperties.Client> clients;
  private final Duration shutdownGrace;
  private final PropertyResolver placeholders;
  private final SslBundles sslBundles;
  private final Consumer<ChannelBuilderContext> customizer;
  private final Map<String, ChannelPool> pools = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * Checks every client's settings.
   *
   * @param placeholders resolves placeholders in targets when a pool is built
   * @param sslBundles the SSL bundles named by {@code tls.bundle}, or null if there are none
   * @param customizer called for each channel builder a pool asks for, after the client's own
   *     settings
   * @throws IllegalArgumentException naming the client and the setting, if a setting is out of
   *     range or a target is missing
   */
  ChannelPools(
      SwitchboardPoolProperties properties,
      PropertyResolver placeholders,
      SslBundles sslBundles,
      Consumer<ChannelBuilderContext> customizer) {
    this.clients = new TreeMap<>(properties.clients());
    this.shutdownGrace = properties.shutdownGrace();
    this.placeholders = Objects.requireNonNull(placeholders, "placeholders");
    this.sslBundles = sslBundles;
    this.customizer = Objects.requireNonNull(customizer, "customizer");
    clients.forEach(
        (name, client) ->
            configure(name, client, ChannelPool.newBuilder(ChannelPools::unusedBuilders)));
  }

  /**
   * Returns the pool of the named client, building it on first use.
   *
   * @throws IllegalArgumentException if no client has that name (the message lists those that do)
   * @throws IllegalStateException if the application context is closed, or the target's
   *     placeholders cannot be resolved or its SSL bundle is missing
   */
  public ChannelPool get(String name) {
    Objects.requireNonNull(name, "name");
    SwitchboardPoolProperties.Client client = clients.get(name);
    if (client == null) {
      throw new IllegalArgumentException(
          "switchboard.pool.clients."
              + name
              + ": no such client (expected one of "
              + clients.keySet()
              + ")");
    }
    ChannelPool pool = pools.get(name);
    if (pool != null) {
      return pool;
    }
    synchronized (pools) {
      if (closed) {
        throw new IllegalStateException("channel pools are closed: the application is stopping");
      }
      return pools.computeIfAbsent(name, n -> build(n, client));
    }
  }

  /** Returns the pool of the named client if it was built, without building it. */
  public Optional<ChannelPool> ifBuilt(String name) {
    return Optional.ofNullable(pools.get(name));
  }

  /** Returns true if a client of that name is configured. */
  public boolean contains(String name) {
    return clients.containsKey(name);
  }

  /** Returns the names of the configured clients, sorted. */
  public Set<String> names() {
    return clients.keySet();
  }

  /**
   * Returns a snapshot of every pool built so far, by client name (clients not used yet are left
   * out).
   */
  public Map<String, PoolStats> snapshots() {
    Map<String, PoolStats> snapshots = new LinkedHashMap<>();
    for (String name : clients.keySet()) {
      ChannelPool pool = pools.get(name);
      if (pool != null) {
        snapshots.put(name, pool.stats());
      }
    }
    return snapshots;
  }

  /** Returns the target the named client was configured with, placeholders unresolved. */
  String configuredTarget(String name) {
    return clients.get(name).target();
  }

  /**
   * Shuts every pool down: calls in flight get the shutdown grace to finish, then are cancelled.
   * Later {@link #get} calls fail. Idempotent.
   */
  @Override
  public void close() {
    List<ChannelPool> toClose;
    synchronized (pools) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = new ArrayList<>(pools.values());
    }
    toClose.forEach(ChannelPool::shutdown);
    long deadline = System.nanoTime() + shutdownGrace.toNanos();
    boolean interrupted = false;
    for (ChannelPool pool : toClose) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !pool.awaitTermination(left, TimeUnit.NANOSECONDS)) {
          logger.warn(
              "channel pool {}: calls still in flight after {}, cancelling them",
              pool.name(),
              shutdownGrace);
          pool.shutdownNow();
        }
      } catch (InterruptedException e) {
        interrupted = true;
        pool.shutdownNow();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "ChannelPools" + clients.keySet() + ", built " + pools.keySet();
  }

  private ChannelPool build(String name, SwitchboardPoolProperties.Client client) {
    String target;
    try {
      target = placeholders.resolveRequiredPlaceholders(client.target());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "switchboard.pool.clients." + name + ".target: " + e.getMessage(), e);
    }
    ChannelCredentials credentials = credentials(name, client.tls());
    String authority = client.tls().authority();
    Supplier<ManagedChannelBuilder<?>> builders =
        () -> {
          NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target, credentials);
          if (authority != null) {
            builder.overrideAuthority(authority);
          }
          return builder;
        };
    ChannelPool.Builder pool = configure(name, client, ChannelPool.newBuilder(builders));
    pool.channelCustomizer(builder -> customizer.accept(new ChannelBuilderContext(name, builder)));
    ChannelPool built = pool.build();
    logger.info("channel pool {} built for {}", name, target);
    return built;
  }

  private ChannelCredentials credentials(String name, SwitchboardPoolProperties.Tls tls) {
    if (!tls.enabled()) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder();
    if (tls.bundle() != null) {
      if (sslBundles == null) {
        throw new IllegalStateException(
            "switchboard.pool.clients."
                + name
                + ".tls.bundle: "
                + tls.bundle()
                + " (expected: an SSL bundle, but the application has none)");
      }
      SslBundle bundle = sslBundles.getBundle(tls.bundle());
      credentials.trustManager(bundle.getManagers().getTrustManagerFactory().getTrustManagers());
      if (bundle.getStores().getKeyStore() != null) {
        credentials.keyManager(bundle.getManagers().getKeyManagerFactory().getKeyManagers());
      }
    }
    return credentials.build();
  }

  /** Applies a client's settings to a pool builder, naming the client in any error. */
  private static ChannelPool.Builder configure(
      String name, SwitchboardPoolProperties.Client client, ChannelPool.Builder builder) {
    String prefix = "switchboard.pool.clients." + name;
    if (client.target() == null || client.target().isBlank()) {
      throw new IllegalArgumentException(
          prefix + ".target: missing (expected: a gRPC target such as dns:///host:443)");
    }
    try {
      builder.name(name).minChannels(client.minChannels()).maxChannels(client.maxChannels());
      if (client.minChannels() > client.maxChannels()) {
        throw new IllegalArgumentException(
            "minChannels: "
                + client.minChannels()
                + " (expected: <= maxChannels "
                + client.maxChannels()
                + ")");
      }
      if (client.maxConcurrentStreams() != null) {
        builder.maxConcurrentStreams(client.maxConcurrentStreams());
      }
      if (client.callsPerChannel() != null) {
        builder.callsPerChannel(client.callsPerChannel());
      }
      if (client.idleTimeout() != null) {
        builder.idleTimeout(client.idleTimeout());
      }
      if (client.maxChannelAge() != null) {
        builder.maxChannelAge(client.maxChannelAge());
      }
      if (client.replaceUnhealthyAfter() != null) {
        builder.replaceUnhealthyAfter(client.replaceUnhealthyAfter());
      }
      if (client.warmUpTimeout() != null) {
        builder.warmUpTimeout(client.warmUpTimeout());
      }
      if (client.keepAlive() != null) {
        builder.keepAlive(client.keepAlive().client());
      }
      SwitchboardPoolProperties.HealthCheck check = client.healthCheck();
      if (check.service() != null) {
        builder.healthCheck(
            check.service(),
            check.interval() != null ? check.interval() : ChannelPool.DEFAULT_HEALTH_CHECK_INTERVAL,
            check.timeout() != null ? check.timeout() : ChannelPool.DEFAULT_HEALTH_CHECK_TIMEOUT);
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(prefix + ": " + e.getMessage(), e);
    }
    return builder;
  }

  private static ManagedChannelBuilder<?> unusedBuilders() {
    throw new AssertionError("a pool built only to check settings made a channel");
  }

  /**
   * A channel builder a pool asked for, and the client it is for: what a customizer gets.
   *
   * @param client the client's name
   * @param builder the channel's builder, a {@link NettyChannelBuilder}
   */
  record ChannelBuilderContext(String client, ManagedChannelBuilder<?> builder) {}
}
