package io.switchboard.gateway;

import io.switchboard.pool.ChannelPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * One entry of the gateway's routing table: which services go to which backend, and the limits that
 * apply to them. Immutable; build one with {@link #named(String)}.
 *
 * <pre>{@code
 * Route users = Route.named("users")
 *     .service("demo.UserService")        // exact service name
 *     .target("dns:///users.internal:443")
 *     .build();
 * Route logs = Route.named("logs").service("demo.logs.*").target("127.0.0.1:7001")
 *     .usePlaintext().maxTimeout(Duration.ofMinutes(10)).build();
 * Route rest = Route.named("default").service("*").target("127.0.0.1:7002").usePlaintext().build();
 * }</pre>
 *
 * <p>A pattern is an exact service name ({@code demo.UserService}), a package prefix ending in
 * {@code .*} ({@code demo.*} matches {@code demo.UserService} and {@code demo.logs.LogService}), or
 * {@code *}, the default route. The gateway picks the exact match, else the longest matching
 * prefix, else the default route. The target is any grpc-java target string; the gateway reaches it
 * through a {@code ChannelPool}, so name resolution, load balancing, health and keepalive are the
 * pool's.
 */
public final class Route {
  /** grpc-java's own default inbound message limit; a gateway should not widen it silently. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  /**
   * grpc-netty's initial HTTP/2 window, but fixed (no BDP growth): it bounds the bytes the gateway
   * holds per call and direction, so memory stays predictable.
   */
  public static final int DEFAULT_FLOW_CONTROL_WINDOW_BYTES = 1024 * 1024;

  /** The pattern of the default route. */
  public static final String DEFAULT_PATTERN = "*";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final Pattern SERVICE =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

  private final String name;
  private final List<String> services;
  private final String target;
  private final boolean plaintext;
  private final int maxMessageBytes;
  private final int flowControlWindowBytes;
  private final Duration defaultTimeout;
  private final Duration maxTimeout;
  private final Consumer<ChannelPool.Builder> poolSettings;
  private final Cors cors;
  private final Path trustedCertificates;
  private final Path clientCertificateChain;
  private final Path clientPrivateKey;

  private Route(Builder b) {
    this.name = b.name;
    this.services = List.copyOf(b.services);
    this.target = b.target;
    this.plaintext = b.plaintext;
    this.maxMessageBytes = b.maxMessageBytes;
    this.flowControlWindowBytes = b.flowControlWindowBytes;
    this.defaultTimeout = b.defaultTimeout;
    this.maxTimeout = b.maxTimeout;
    this.poolSettings = b.poolSettings;
    this.cors = b.cors;
    this.trustedCertificates = b.trustedCertificates;
    this.clientCertificateChain = b.clientCertificateChain;
    this.clientPrivateKey = b.clientPrivateKey;
  }

  /**
   * Starts a route with the given name, used in metrics, health and error descriptions.
   *
   * @throws NullPointerException if the name is null
   * @throws IllegalArgumentException if the name is not made of letters, digits, {@code _.-}
   */
  public static Builder named(String name) {
    return new Builder(name);
  }

  /** Returns the route's name. */
  public String name() {
    return name;
  }

  /** Returns the service patterns, in the order given. */
  public List<String> services() {
    return services;
  }

  /** Returns the backend's grpc target string. */
  public String target() {
    return target;
  }

  /** Returns whether the backend is reached without TLS. */
  public boolean plaintext() {
    return plaintext;
  }

  /** Returns the largest message accepted in either direction (request or response), in bytes. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** Returns the HTTP/2 flow-control window towards the backend, in bytes. */
  public int flowControlWindowBytes() {
    return flowControlWindowBytes;
  }

  /** Returns the timeout given to calls that arrive without a deadline, if any. */
  public Optional<Duration> defaultTimeout() {
    return Optional.ofNullable(defaultTimeout);
  }

  /** Returns the longest timeout a call may keep; longer deadlines are shortened to it. */
  public Optional<Duration> maxTimeout() {
    return Optional.ofNullable(maxTimeout);
  }

  /** Returns what configures the route's {@link ChannelPool} beyond target and limits. */
  public Consumer<ChannelPool.Builder> poolSettings() {
    return poolSettings;
  }

  /** Returns the route's own CORS settings, which win over the gateway's, if any. */
  public Optional<Cors> cors() {
    return Optional.ofNullable(cors);
  }

  /** Returns the PEM CA bundle the backend's certificate must chain to, if not the JVM's. */
  public Optional<Path> trustedCertificates() {
    return Optional.ofNullable(trustedCertificates);
  }

  /** Returns the PEM certificate chain the gateway presents to the backend (mutual TLS), if any. */
  public Optional<Path> clientCertificateChain() {
    return Optional.ofNullable(clientCertificateChain);
  }

  /** Returns the PEM private key of {@link #clientCertificateChain()}, if any. */
  public Optional<Path> clientPrivateKey() {
    return Optional.ofNullable(clientPrivateKey);
  }

  /** Returns a builder with this route's settings. */
  public Builder toBuilder() {
    Builder b = new Builder(name);
    b.services.addAll(services);
    b.target = target;
    b.plaintext = plaintext;
    b.maxMessageBytes = maxMessageBytes;
    b.flowControlWindowBytes = flowControlWindowBytes;
    b.defaultTimeout = defaultTimeout;
    b.maxTimeout = maxTimeout;
    b.poolSettings = poolSettings;
    b.cors = cors;
    b.trustedCertificates = trustedCertificates;
    b.clientCertificateChain = clientCertificateChain;
    b.clientPrivateKey = clientPrivateKey;
    return b;
  }

  @Override
  public String toString() {
    return "Route{" + name + " " + services + " -> " + target + "}";
  }

  /** Checks an HTTP/2 flow-control window: at least HTTP/2's initial window of 64 KiB. */
  static int checkWindow(int bytes) {
    if (bytes < 65_535) {
      throw new IllegalArgumentException(
          "flowControlWindowBytes: " + bytes + " (expected: >= 65535)");
    }
    return bytes;
  }

  /** Returns whether the pattern is a package prefix ({@code demo.*}). */
  static boolean isPrefix(String pattern) {
    return pattern.endsWith(".*");
  }

  /** Builds a {@link Route}; each setter checks its argument at once. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final Set<String> services = new LinkedHashSet<>();
    private String target;
    private boolean plaintext;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private int flowControlWindowBytes = DEFAULT_FLOW_CONTROL_WINDOW_BYTES;
    private Duration defaultTimeout;
    private Duration maxTimeout;
    private Consumer<ChannelPool.Builder> poolSettings = pool -> {};
    private Cors cors;
    private Path trustedCertificates;
    private Path clientCertificateChain;
    private Path clientPrivateKey;

    private Builder(String name) {
      Objects.requireNonNull(name, "name");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "name: '" + name + "' (expected: letters, digits, '_', '.', '-')");
      }
      this.name = name;
    }

    /**
     * Adds a service pattern: {@code demo.UserService}, {@code demo.*} or {@code *}.
     *
     * @throws NullPointerException if the pattern is null
     * @throws IllegalArgumentException if the pattern is malformed or already added
     */
    public Builder service(String pattern) {
      Objects.requireNonNull(pattern, "pattern");
      String service = isPrefix(pattern) ? pattern.substring(0, pattern.length() - 2) : pattern;
      if (!pattern.equals(DEFAULT_PATTERN) && !SERVICE.matcher(service).matches()) {
        throw new IllegalArgumentException(
            "pattern: '"
                + pattern
                + "' (expected: a service name like demo.UserService, a prefix like demo.*, or *)");
      }
      if (!services.add(pattern)) {
        throw new IllegalArgumentException("pattern: '" + pattern + "' (expected: added once)");
      }
      return this;
    }

    /**
     * Sets the backend: any grpc-java target string, e.g. {@code 127.0.0.1:7001} or {@code
     * dns:///users.internal:443}.
     *
     * @throws NullPointerException if the target is null
     * @throws IllegalArgumentException if the target is blank
     */
    public Builder target(String target) {
      Objects.requireNonNull(target, "target");
      if (target.isBlank()) {
        throw new IllegalArgumentException("target: '' (expected: a grpc target string)");
      }
      this.target = target.strip();
      return this;
    }

    /** Reaches the backend without TLS (TLS is the default). */
    public Builder usePlaintext() {
      this.plaintext = true;
      return this;
    }

    /**
     * Sets the largest message accepted in either direction; larger ones fail the call with {@code
     * RESOURCE_EXHAUSTED}: a request with the gateway's description naming the route, a response
     * with grpc's own description (the gateway's channel to the backend refuses it). Default 4 MiB
     * ({@link Route#DEFAULT_MAX_MESSAGE_BYTES}).
     *
     * @throws IllegalArgumentException if the limit is not positive
     */
    public Builder maxMessageBytes(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxMessageBytes: " + bytes + " (expected: > 0)");
      }
      this.maxMessageBytes = bytes;
      return this;
    }

    /**
     * Sets the HTTP/2 flow-control window towards the backend, which bounds the bytes a call holds
     * in the gateway. Default 1 MiB.
     *
     * @throws IllegalArgumentException if the window is under 64 KiB (HTTP/2's initial window)
     */
    public Builder flowControlWindowBytes(int bytes) {
      this.flowControlWindowBytes = checkWindow(bytes);
      return this;
    }

    /**
     * Gives calls that arrive without a deadline this timeout. Default: none (such calls keep no
     * deadline, as in grpc).
     *
     * @throws IllegalArgumentException if the timeout is not positive
     */
    public Builder defaultTimeout(Duration timeout) {
      this.defaultTimeout = positive("defaultTimeout", timeout);
      return this;
    }

    /**
     * Caps every call's timeout: a longer or absent deadline is shortened to it. Default: none.
     *
     * @throws IllegalArgumentException if the timeout is not positive
     */
    public Builder maxTimeout(Duration timeout) {
      this.maxTimeout = positive("maxTimeout", timeout);
      return this;
    }

    /**
     * Configures the route's {@link ChannelPool} when the gateway builds it: keepalive, grpc.health
     * checks of the backend, growth, refresh, a {@code channelCustomizer}. The gateway sets the
     * target, TLS and name itself (after these settings, so they win), and sets the message limit
     * and flow-control window on each channel builder before a {@code channelCustomizer} runs, so a
     * customizer keeps them unless it sets them itself. Default: the pool's defaults. If it throws,
     * {@link Gateway.Builder#build()} throws it.
     *
     * <pre>{@code
     * .pool(p -> p.keepAlive(KeepAlivePreset.CLOUD_LOAD_BALANCER.client()).healthCheck(""))
     * }</pre>
     *
     * @throws NullPointerException if the consumer is null
     */
    public Builder pool(Consumer<ChannelPool.Builder> settings) {
      this.poolSettings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /**
     * Sets which browser origins may call this route's services; wins over the gateway's {@link
     * Gateway.Builder#cors}. Default: the gateway's.
     *
     * @throws NullPointerException if the settings are null
     */
    public Builder cors(Cors cors) {
      this.cors = Objects.requireNonNull(cors, "cors");
      return this;
    }

    /**
     * Trusts the backend's certificate when it chains to this PEM CA bundle (instead of the JVM's
     * trusted CAs), for a backend with its own CA.
     *
     * @throws NullPointerException if the path is null
     */
    public Builder trustedCertificates(Path caBundle) {
      this.trustedCertificates = Objects.requireNonNull(caBundle, "caBundle");
      return this;
    }

    /**
     * Presents this client certificate (PEM chain and PKCS#8 PEM key) to the backend, for a backend
     * that requires mutual TLS.
     *
     * @throws NullPointerException if a path is null
     */
    public Builder clientCertificate(Path certificateChain, Path privateKey) {
      this.clientCertificateChain = Objects.requireNonNull(certificateChain, "certificateChain");
      this.clientPrivateKey = Objects.requireNonNull(privateKey, "privateKey");
      return this;
    }

    /**
     * Builds the route.
     *
     * @throws IllegalStateException if no pattern or no target was set, the default timeout exceeds
     *     the maximum, or TLS files are given for a plaintext route
     */
    public Route build() {
      if (services.isEmpty()) {
        throw new IllegalStateException("route " + name + ": no service pattern (expected: >= 1)");
      }
      if (target == null) {
        throw new IllegalStateException("route " + name + ": no target (expected: target(...))");
      }
      if (plaintext && (trustedCertificates != null || clientCertificateChain != null)) {
        throw new IllegalStateException(
            "route " + name + ": TLS files with usePlaintext() (expected: one or the other)");
      }
      if (defaultTimeout != null
          && maxTimeout != null
          && defaultTimeout.compareTo(maxTimeout) > 0) {
        throw new IllegalStateException(
            "route "
                + name
                + ": defaultTimeout "
                + defaultTimeout
                + " (expected: <= maxTimeout "
                + maxTimeout
                + ")");
      }
      return new Route(this);
    }

    private static Duration positive(String name, Duration value) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
      }
      return value;
    }
  }
}
