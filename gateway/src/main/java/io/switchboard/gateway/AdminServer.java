package io.switchboard.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.switchboard.core.internal.Checks;
import io.switchboard.core.internal.DaemonThreadFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The gateway's admin endpoint, on a port of its own (loopback by default): {@code /metrics} in the
 * Prometheus text format, {@code /healthz} (the process serves) and {@code /readyz} (every route
 * has a healthy backend, so a load balancer may send traffic). Served by the JDK's HTTP server;
 * {@code /metrics} by a handler from a metrics library (Prometheus' {@code MetricsHandler} over
 * OpenTelemetry's {@code PrometheusMetricReader}, as {@link GatewayMain} wires it, or any other),
 * never a format written by hand.
 *
 * <pre>{@code
 * AdminServer admin = AdminServer.newBuilder()
 *     .port(9464)
 *     .metrics(new MetricsHandler(prometheusRegistry))
 *     .readiness(gateway::isReady)
 *     .build()
 *     .start();
 * }</pre>
 *
 * <p>Requests are handled on at most {@link #MAX_THREADS} threads with {@link #MAX_QUEUED} waiting;
 * more get the connection closed. Other paths answer 404, other methods than GET and HEAD 405.
 * Thread-safe.
 */
public final class AdminServer implements AutoCloseable {
  /** The default port: the one OpenTelemetry's Prometheus exporter listens on by default. */
  public static final int DEFAULT_PORT = 9464;

  /** Threads answering requests: scrapes and probes are few and quick. */
  public static final int MAX_THREADS = 2;

  /** Requests waiting for a thread; past that the connection is closed (a probe retries). */
  public static final int MAX_QUEUED = 32;

  private final HttpServer server;
  private final ThreadPoolExecutor executor;

  private AdminServer(Builder builder) {
    try {
      server = HttpServer.create(new InetSocketAddress(builder.address, builder.port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "admin endpoint: cannot listen on " + builder.address + ":" + builder.port, e);
    }
    executor =
        new ThreadPoolExecutor(
            MAX_THREADS,
            MAX_THREADS,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(MAX_QUEUED),
            new DaemonThreadFactory("switchboard-gateway-admin"));
    executor.allowCoreThreadTimeOut(true);
    server.setExecutor(executor);
    server.createContext("/metrics", getOnly(builder.metrics));
    server.createContext("/healthz", getOnly(exchange -> text(exchange, 200, "ok\n")));
    BooleanSupplier readiness = builder.readiness;
    server.createContext(
        "/readyz",
        getOnly(
            exchange -> {
              boolean ready;
              try {
                ready = readiness.getAsBoolean();
              } catch (RuntimeException e) {
                ready = false;
              }
              text(exchange, ready ? 200 : 503, ready ? "ready\n" : "not ready\n");
            }));
    server.createContext("/", getOnly(exchange -> text(exchange, 404, "not found\n")));
  }

  /** Returns a new builder. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Starts listening.
   *
   * @return this server
   */
  public AdminServer start() {
    server.start();
    return this;
  }

  /** Returns the address it listens on (with the actual port when port 0 was asked). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Stops listening and ends requests in progress (scrapes and probes are retried). */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "AdminServer{" + address() + "}";
  }

  private static HttpHandler getOnly(HttpHandler handler) {
    return exchange -> {
      try {
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD");
          text(exchange, 405, "method not allowed: " + method + " (expected: GET or HEAD)\n");
          return;
        }
        handler.handle(exchange);
      } finally {
        exchange.close();
      }
    };
  }

  private static void text(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** Settings of an {@link AdminServer}. Not thread-safe. */
  public static final class Builder {
    private InetAddress address = InetAddress.getLoopbackAddress();
    private int port = DEFAULT_PORT;
    private HttpHandler metrics =
        exchange -> text(exchange, 404, "no metrics installed (see AdminServer.Builder.metrics)\n");
    private BooleanSupplier readiness = () -> true;

    private Builder() {}

    /**
     * Sets the address to listen on; the loopback address by default, so metrics and probes are not
     * exposed unless asked for.
     *
     * @return this builder
     * @throws NullPointerException if {@code address} is null
     */
    public Builder bindAddress(InetAddress address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * Sets the port; {@link #DEFAULT_PORT} by default, 0 for an ephemeral one.
     *
     * @return this builder
     * @throws IllegalArgumentException if the port is outside 0..65535
     */
    public Builder port(int port) {
      this.port = Checks.inRange("port", port, 0, 65535);
      return this;
    }

    /**
     * Sets what answers {@code /metrics}: a metrics library's Prometheus handler. Without one,
     * {@code /metrics} answers 404.
     *
     * @return this builder
     * @throws NullPointerException if {@code handler} is null
     */
    public Builder metrics(HttpHandler handler) {
      this.metrics = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /**
     * Sets what {@code /readyz} asks: 200 when it returns true, 503 when it returns false or
     * throws. Always ready by default.
     *
     * @return this builder
     * @throws NullPointerException if {@code readiness} is null
     */
    public Builder readiness(BooleanSupplier readiness) {
      this.readiness = Objects.requireNonNull(readiness, "readiness");
      return this;
    }

    /**
     * Creates the server and binds its port (it answers once {@linkplain AdminServer#start()
     * started}).
     *
     * @return the server
     * @throws UncheckedIOException if the port cannot be bound
     */
    public AdminServer build() {
      return new AdminServer(this);
    }
  }
}
