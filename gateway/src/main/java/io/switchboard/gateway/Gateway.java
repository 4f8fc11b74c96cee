package io.switchboard.gateway;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.switchboard.core.metrics.MetricSink;
import io.switchboard.msgpack.json.JsonSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gRPC gateway: a server of its own that routes every call by its service name to a backend and
 * passes the messages through as bytes, never parsing them, for unary and all streaming kinds. Its
 * one port serves, chosen per request by the {@code content-type}, native gRPC over HTTP/2,
 * gRPC-Web (binary and text; unary and server-streaming) and the Connect protocol's JSON (unary and
 * server-streaming, transcoded to MessagePack by the schema the backend publishes), over HTTP/1.1
 * and HTTP/2 (see {@link Protocol}).
 *
 * <pre>{@code
 * Gateway gateway = Gateway.builder()
 *     .port(8080)
 *     .route(Route.named("users").service("demo.UserService").target("users:7001").build())
 *     .route(Route.named("logs").service("demo.logs.*").target("logs:7002").build())
 *     .authenticator(Authenticator.bearerToken(token))
 *     .build()
 *     .start();
 * ...
 * gateway.close();
 * }</pre>
 *
 * <p>What crosses the gateway:
 *
 * <ul>
 *   <li><b>Messages</b>, as the transport's own buffers (no per-message {@code byte[]}), one at a
 *       time per direction and only when the receiving side is ready, so a slow client slows the
 *       backend and the gateway's memory per call stays within the HTTP/2 windows.
 *   <li><b>Headers</b> both ways and <b>trailers</b> back, less hop-by-hop headers and, unless
 *       {@linkplain Builder#forwardCredentials(boolean) told otherwise}, the client's {@code
 *       authorization}.
 *   <li><b>The deadline</b>, with the route's {@linkplain Route.Builder#defaultTimeout default} and
 *       {@linkplain Route.Builder#maxTimeout cap}; <b>cancellation</b> both ways; the backend's
 *       <b>status</b> code and description unchanged.
 * </ul>
 *
 * <p>The gateway's own answers: {@code UNIMPLEMENTED} naming a service no route matches; {@code
 * UNAVAILABLE} naming the route when its backend cannot be reached; {@code RESOURCE_EXHAUSTED} for
 * a message over the route's limit; the {@link Authenticator}'s status for a refused call. It
 * serves {@code grpc.health.v1.Health}: the empty service name is the gateway itself, and each
 * route's name and exact service names report whether that route's backend is healthy. {@link
 * #metrics()} counts calls, failures by code, calls in flight and bytes per route.
 *
 * <p>Thread-safe. Calls run on the transport threads (the authenticator on an {@linkplain
 * Builder#executor executor} if one is given): the gateway's work per message is a hand-over that
 * never blocks.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  /** Time a stopping gateway gives calls in flight to finish before cancelling them. */
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);

  private final Settings settings;
  private final Map<String, RouteHandler> handlers;
  private final RouteTable table;
  private final RouteHandler own;
  private final HealthStatusManager health = new HealthStatusManager();
  private final Server local;
  private final ManagedChannel localChannel;
  private final GatewayMetrics instruments;
  private final Object lock = new Object();
  private FrontServer server;
  private ScheduledExecutorService healthPoller;
  private boolean stopped;

  private Gateway(Settings settings) {
    this.settings = settings;
    Admission admission = new Admission(settings.authenticator);
    HeaderPolicy headerPolicy = new HeaderPolicy(settings.forwardCredentials);
    Map<String, RouteHandler> byName = new LinkedHashMap<>();
    try {
      for (Route route : settings.routes) {
        byName.put(
            route.name(), new RouteHandler(route, Backend.pooled(route), admission, headerPolicy));
      }
    } catch (RuntimeException | Error e) {
      // A later route's pool failed to build: close the pools already built, they would leak.
      try {
        shutdownBackends(byName.values());
      } catch (RuntimeException | Error suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    this.handlers = byName;
    // The gateway's own services (health) run on an in-process server behind the same front.
    String name = "switchboard-gateway-" + System.identityHashCode(this);
    this.local =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(health.getHealthService())
            .build();
    try {
      local.start();
    } catch (IOException e) {
      shutdownBackends(byName.values());
      throw new UncheckedIOException(e);
    }
    this.localChannel = InProcessChannelBuilder.forName(name).directExecutor().build();
    Route localRoute =
        Route.named("gateway").service(HEALTH_SERVICE).target("in-process").usePlaintext().build();
    RouteHandler localHandler =
        new RouteHandler(
            localRoute,
            Backend.of(localChannel, () -> true),
            new Admission(null),
            headerPolicy,
            HEALTH_WATCH,
            settings.maxHealthWatches);
    this.own = localHandler;
    this.table = new RouteTable(List.copyOf(byName.values()), admission, localHandler);
    this.instruments = new GatewayMetrics(settings.metrics, List.copyOf(byName.values()));
  }

  /** Returns the admission of the routed calls (authentication), for tests. */
  Admission admission() {
    return table.admission();
  }

  /** The health service, served by the gateway itself without authentication. */
  static final String HEALTH_SERVICE = "grpc.health.v1.Health";

  /** The health service's streaming method, whose open streams are capped. */
  static final String HEALTH_WATCH = HEALTH_SERVICE + "/Watch";

  /** Returns how many health {@code Watch} streams are open, for tests. */
  int openHealthWatches() {
    return own.openCapped();
  }

  /** Returns a builder of a gateway. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the port and starts serving.
   *
   * @return this gateway
   * @throws IllegalStateException if it was already started or stopped
   * @throws UncheckedIOException if the port cannot be bound or the TLS files cannot be used
   */
  public Gateway start() {
    synchronized (lock) {
      if (server != null || stopped) {
        throw new IllegalStateException("gateway: start() already called");
      }
      FrontSettings front =
          new FrontSettings(table, settings.cors, settings.json, settings.executor);
      TlsContexts tls;
      try {
        tls = settings.tls == null ? null : new TlsContexts(settings.tls);
      } catch (UncheckedIOException e) {
        stopped = true;
        release();
        throw e;
      }
      FrontServer started;
      try {
        started =
            FrontServer.start(
                new InetSocketAddress(settings.bindAddress, settings.port),
                front,
                tls,
                settings.flowControlWindowBytes,
                0);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopped = true;
        release();
        throw new IllegalStateException("gateway: interrupted while binding", e);
      } catch (Exception e) {
        stopped = true;
        release();
        throw new UncheckedIOException(
            "gateway: cannot listen on " + settings.bindAddress + ":" + settings.port,
            e instanceof IOException io ? io : new IOException(e));
      }
      server = started;
      healthPoller =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "switchboard-gateway-health-" + port());
                t.setDaemon(true);
                return t;
              });
      health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
      long every = settings.healthCheckInterval.toNanos();
      healthPoller.scheduleWithFixedDelay(this::updateHealth, 0, every, TimeUnit.NANOSECONDS);
      if (tls != null) {
        long reload = settings.tls.reloadInterval().toNanos();
        healthPoller.scheduleWithFixedDelay(
            tls::reloadIfChanged, reload, reload, TimeUnit.NANOSECONDS);
      }
      log.debug("gateway listening on {} with routes {}", address(), settings.routes);
      return this;
    }
  }

  /**
   * Returns the port the gateway listens on.
   *
   * @throws IllegalStateException if it has not been started
   */
  public int port() {
    return address().getPort();
  }

  /**
   * Returns the address the gateway listens on.
   *
   * @throws IllegalStateException if it has not been started
   */
  public InetSocketAddress address() {
    synchronized (lock) {
      if (server == null) {
        throw new IllegalStateException("gateway: not started (expected: start() first)");
      }
      return server.address();
    }
  }

  /** Returns the routes, in the order they were added. */
  public List<Route> routes() {
    return settings.routes;
  }

  /** Returns a snapshot of every route's counters, keyed by route name in route order. */
  public Map<String, RouteMetrics> metrics() {
    Map<String, RouteMetrics> snapshot = new LinkedHashMap<>();
    handlers.forEach((name, handler) -> snapshot.put(name, handler.counters().snapshot()));
    return snapshot;
  }

  /** Returns how many calls named a service that no route matches. */
  public long unroutedCalls() {
    return table.unroutedCalls();
  }

  /**
   * Stops the gateway: refuses new calls, gives calls in flight up to {@code grace} to finish,
   * cancels the rest, then closes the backends. Idempotent; also valid on a gateway never started.
   *
   * @throws NullPointerException if grace is null
   * @throws IllegalArgumentException if grace is negative
   */
  public void stop(Duration grace) {
    Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace: " + grace + " (expected: >= 0)");
    }
    FrontServer toStop;
    synchronized (lock) {
      if (stopped) {
        return;
      }
      stopped = true;
      toStop = server;
      if (healthPoller != null) {
        healthPoller.shutdownNow();
      }
    }
    health.enterTerminalState();
    try {
      if (toStop != null) {
        toStop.stopAccepting();
        awaitCallsDone(grace);
        toStop.shutdown(Duration.ofSeconds(1));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      release();
    }
  }

  /** Closes what the gateway holds besides its listener: backends, in-process server, metrics. */
  private void release() {
    instruments.close();
    shutdownBackends();
    localChannel.shutdownNow();
    local.shutdownNow();
  }

  /** Waits until no call is in flight on any route, or the grace is over. */
  private void awaitCallsDone(Duration grace) throws InterruptedException {
    long deadline = System.nanoTime() + grace.toNanos();
    while (System.nanoTime() - deadline < 0) {
      boolean idle =
          handlers.values().stream().allMatch(h -> h.counters().snapshot().inFlight() == 0);
      if (idle) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }

  /** Stops the gateway with {@link #DEFAULT_SHUTDOWN_GRACE}; see {@link #stop(Duration)}. */
  @Override
  public void close() {
    stop(DEFAULT_SHUTDOWN_GRACE);
  }

  /** Blocks until the gateway has stopped. */
  public void awaitTermination() throws InterruptedException {
    FrontServer s;
    synchronized (lock) {
      s = server;
    }
    if (s != null) {
      s.awaitTermination();
    }
  }

  @Override
  public String toString() {
    return "Gateway{" + settings.routes + "}";
  }

  private void updateHealth() {
    for (RouteHandler handler : handlers.values()) {
      boolean healthy;
      try {
        healthy = handler.backend().isHealthy();
      } catch (RuntimeException e) {
        log.warn("health of route {} could not be read", handler.name(), e);
        healthy = false;
      }
      ServingStatus status = healthy ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
      health.setStatus(handler.name(), status);
      for (String pattern : handler.route().services()) {
        if (!Route.isPrefix(pattern) && !pattern.equals(Route.DEFAULT_PATTERN)) {
          health.setStatus(pattern, status);
        }
      }
    }
  }

  private void shutdownBackends() {
    shutdownBackends(handlers.values());
  }

  private static void shutdownBackends(Collection<RouteHandler> handlers) {
    for (RouteHandler handler : handlers) {
      handler.backend().shutdown();
    }
    for (RouteHandler handler : handlers) {
      try {
        if (!handler.backend().awaitTermination(5, TimeUnit.SECONDS)) {
          handler.backend().shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        handler.backend().shutdownNow();
      }
    }
  }

  /** The built, immutable settings. */
  private record Settings(
      List<Route> routes,
      InetAddress bindAddress,
      int port,
      Authenticator authenticator,
      boolean forwardCredentials,
      Executor executor,
      Duration healthCheckInterval,
      int maxHealthWatches,
      int flowControlWindowBytes,
      Cors cors,
      JsonSettings json,
      ServerTls tls,
      MetricSink metrics) {}

  /** Builds a {@link Gateway}; each setter checks its argument at once. Not thread-safe. */
  public static final class Builder {
    /** Health reads the pools' state, which is cheap: once a second is fresh for a balancer. */
    public static final Duration DEFAULT_HEALTH_CHECK_INTERVAL = Duration.ofSeconds(1);

    /**
     * Health {@code Watch} streams open at once, over all clients: 100. Balancers and probes
     * (Kubernetes, Envoy) poll with {@code Check}; a few watchers per gateway is the norm, and the
     * bound keeps unauthenticated callers from holding a stream (and its buffers) each without end.
     */
    public static final int DEFAULT_MAX_HEALTH_WATCHES = 100;

    private final List<Route> routes = new ArrayList<>();
    private InetAddress bindAddress = InetAddress.getLoopbackAddress();
    private int port;
    private Authenticator authenticator;
    private boolean forwardCredentials;
    private Executor executor;
    private Duration healthCheckInterval = DEFAULT_HEALTH_CHECK_INTERVAL;
    private int maxHealthWatches = DEFAULT_MAX_HEALTH_WATCHES;
    private int flowControlWindowBytes = Route.DEFAULT_FLOW_CONTROL_WINDOW_BYTES;
    private Cors cors;
    private JsonSettings json = JsonSettings.defaults();
    private ServerTls tls;
    private MetricSink metrics = MetricSink.noop();

    private Builder() {}

    /**
     * Reports each route's calls (by protocol), calls in flight, failures by code and bytes through
     * this sink (OpenTelemetry or Micrometer, see {@code metrics-opentelemetry} and {@code
     * metrics-micrometer}); they are read from {@link Gateway#metrics()} when metrics are
     * collected, so calls pay nothing. Default: {@link MetricSink#noop()}.
     *
     * @throws NullPointerException if the sink is null
     */
    public Builder metrics(MetricSink sink) {
      this.metrics = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /**
     * Serves TLS (with ALPN: HTTP/2 and HTTP/1.1) from PEM files, optionally requiring client
     * certificates; the files are reloaded when they change. Default: cleartext (HTTP/1.1, and
     * HTTP/2 by prior knowledge or upgrade).
     *
     * @throws NullPointerException if the settings are null
     */
    public Builder tls(ServerTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Sets which browser origins may call the gateway (gRPC-Web and JSON from web pages); a route's
     * own {@linkplain Route.Builder#cors settings} win. Default: none, no CORS header is sent.
     *
     * @throws NullPointerException if the settings are null
     */
    public Builder cors(Cors cors) {
      this.cors = Objects.requireNonNull(cors, "cors");
      return this;
    }

    /**
     * Sets the limits of JSON transcoding (body size, nesting depth, string length). Default:
     * {@link JsonSettings#defaults()}; a route's {@code maxMessageBytes} bounds bodies too.
     *
     * @throws NullPointerException if the settings are null
     */
    public Builder json(JsonSettings settings) {
      this.json = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /**
     * Sets the port to listen on; 0 (the default) picks a free one, read it with {@link #port()}.
     *
     * @throws IllegalArgumentException if the port is outside 0..65535
     */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
      this.port = port;
      return this;
    }

    /**
     * Sets the address to listen on. Default: loopback, so that a gateway is never exposed by
     * accident; pass {@code InetAddress.getByName("0.0.0.0")} to listen on every interface.
     *
     * @throws NullPointerException if the address is null
     */
    public Builder bindAddress(InetAddress address) {
      this.bindAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * Adds a route.
     *
     * @throws NullPointerException if the route is null
     */
    public Builder route(Route route) {
      routes.add(Objects.requireNonNull(route, "route"));
      return this;
    }

    /**
     * Adds routes, in order.
     *
     * @throws NullPointerException if the collection or a route is null
     */
    public Builder routes(Collection<Route> routes) {
      routes.forEach(this::route);
      return this;
    }

    /**
     * Sets the hook that admits or refuses each call. Default: none, every call is forwarded (an
     * open proxy: set one unless the network already restricts who reaches the gateway).
     *
     * @throws NullPointerException if the authenticator is null
     */
    public Builder authenticator(Authenticator authenticator) {
      this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
      return this;
    }

    /**
     * Forwards the client's {@code authorization} header to backends. Default false: the client's
     * credential is for the gateway, and a backend trusts the gateway, not the token.
     */
    public Builder forwardCredentials(boolean forward) {
      this.forwardCredentials = forward;
      return this;
    }

    /**
     * Runs the authenticator on this executor instead of the transport threads. Only needed for an
     * authenticator that blocks; it costs a thread hop per call.
     *
     * @throws NullPointerException if the executor is null
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets how often each route's backend health is read into the health service. Default 1 s.
     *
     * @throws IllegalArgumentException if the interval is under 10 ms or over 1 hour
     */
    public Builder healthCheckInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.toMillis() < 10 || interval.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException(
            "healthCheckInterval: " + interval + " (expected: PT0.01S..PT1H)");
      }
      this.healthCheckInterval = interval;
      return this;
    }

    /**
     * Sets how many {@code grpc.health.v1.Health/Watch} streams may be open at once, over all
     * clients (the health service needs no credentials); beyond it a {@code Watch} fails at once
     * with {@code RESOURCE_EXHAUSTED}. {@code Check} is never limited. Default {@value
     * #DEFAULT_MAX_HEALTH_WATCHES}.
     *
     * @throws IllegalArgumentException if the maximum is not positive
     */
    public Builder maxHealthWatches(int max) {
      if (max <= 0) {
        throw new IllegalArgumentException("maxHealthWatches: " + max + " (expected: > 0)");
      }
      this.maxHealthWatches = max;
      return this;
    }

    /**
     * Sets the HTTP/2 flow-control window clients get from the gateway, which bounds the request
     * bytes a call holds in the gateway. Default 1 MiB.
     *
     * @throws IllegalArgumentException if the window is under 64 KiB (HTTP/2's initial window)
     */
    public Builder flowControlWindowBytes(int bytes) {
      this.flowControlWindowBytes = Route.checkWindow(bytes);
      return this;
    }

    /**
     * Builds the gateway and opens a backend channel pool per route, which starts connecting at
     * once.
     *
     * @throws IllegalStateException if there is no route, two routes share a name, or a service
     *     pattern is in two routes
     * @throws RuntimeException whatever a route's {@linkplain Route.Builder#pool pool settings}
     *     throw; the pools of the routes before it are shut down first
     */
    public Gateway build() {
      if (routes.isEmpty()) {
        throw new IllegalStateException("gateway: no route (expected: at least one route(...))");
      }
      Map<String, String> owners = new HashMap<>();
      Map<String, Route> names = new HashMap<>();
      for (Route route : routes) {
        if (names.putIfAbsent(route.name(), route) != null) {
          throw new IllegalStateException(
              "gateway: two routes named '" + route.name() + "' (expected: unique names)");
        }
        for (String pattern : route.services()) {
          String owner = owners.putIfAbsent(pattern, route.name());
          if (owner != null) {
            throw new IllegalStateException(
                "gateway: pattern '"
                    + pattern
                    + "' in routes '"
                    + owner
                    + "' and '"
                    + route.name()
                    + "' (expected: each pattern in one route)");
          }
        }
      }
      return new Gateway(
          new Settings(
              List.copyOf(routes),
              bindAddress,
              port,
              authenticator,
              forwardCredentials,
              executor,
              healthCheckInterval,
              maxHealthWatches,
              flowControlWindowBytes,
              cors,
              json,
              tls,
              metrics));
    }
  }
}
