package io.switchboard.gateway;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Which browser origins may call the gateway (CORS), globally ({@link Gateway.Builder#cors}) or per
 * route ({@link Route.Builder#cors}, which wins). Preflight {@code OPTIONS} requests are answered
 * by the gateway itself; responses to allowed origins expose gRPC's and Connect's headers ({@code
 * grpc-status}, {@code grpc-message}, {@code grpc-status-details-bin}, {@code connect-*}) and any
 * named in {@link Builder#exposeHeader}. Without CORS settings, browsers on other origins are
 * refused by their own rules (no CORS header is sent). Immutable.
 *
 * <pre>{@code
 * Cors cors = Cors.newBuilder().allowOrigin("https://app.example.com").build();
 * }</pre>
 */
public final class Cors {
  /** Request headers allowed by default: those gRPC-Web and Connect clients send. */
  public static final List<String> DEFAULT_ALLOWED_HEADERS =
      List.of(
          "content-type",
          "x-grpc-web",
          "x-user-agent",
          "grpc-timeout",
          "connect-protocol-version",
          "connect-timeout-ms",
          "authorization");

  /** Response headers always exposed to an allowed origin. */
  public static final List<String> EXPOSED_HEADERS =
      List.of(
          "grpc-status",
          "grpc-message",
          "grpc-status-details-bin",
          "connect-content-encoding",
          "connect-accept-encoding");

  /** How long a browser may cache a preflight answer: 2 hours, Chromium's own upper bound. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(2);

  private final Set<String> origins;
  private final boolean anyOrigin;
  private final Set<String> allowedHeaders;
  private final String exposed;
  private final boolean allowCredentials;
  private final Duration maxAge;

  private Cors(Builder b) {
    this.origins = Set.copyOf(b.origins);
    this.anyOrigin = b.anyOrigin;
    this.allowedHeaders = Set.copyOf(b.allowedHeaders);
    Set<String> expose = new LinkedHashSet<>(EXPOSED_HEADERS);
    expose.addAll(b.exposed);
    this.exposed = String.join(", ", expose);
    this.allowCredentials = b.allowCredentials;
    this.maxAge = b.maxAge;
  }

  /** Returns a builder allowing no origin until told. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Returns whether requests from {@code origin} are allowed. */
  public boolean allows(String origin) {
    return origin != null && (anyOrigin || origins.contains(origin));
  }

  /** Returns the origins allowed ({@code *} for any). */
  public Set<String> origins() {
    return anyOrigin ? Set.of("*") : origins;
  }

  /** What one request gets: nothing, or the headers of its allowed origin. */
  static final class Decision {
    static final Decision NONE = new Decision(null, null);

    private final Cors cors;
    private final String origin;

    private Decision(Cors cors, String origin) {
      this.cors = cors;
      this.origin = origin;
    }

    /** Adds the CORS headers to a response. */
    void decorate(HttpHeaders headers) {
      if (cors == null) {
        return;
      }
      headers.set(
          HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN,
          cors.anyOrigin && !cors.allowCredentials ? "*" : origin);
      headers.add(HttpHeaderNames.VARY, "origin");
      headers.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, cors.exposed);
      if (cors.allowCredentials) {
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
      }
    }

    /**
     * Adds a preflight answer's headers; returns false if the requested method or headers are not
     * allowed.
     */
    boolean preflight(HttpHeaders request, HttpHeaders response) {
      if (cors == null) {
        return false;
      }
      String method = request.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
      if (!"POST".equals(method)) {
        return false;
      }
      String asked = request.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS, "");
      for (String header : asked.split(",")) {
        String name = header.strip().toLowerCase(Locale.ROOT);
        if (!name.isEmpty() && !cors.allowedHeaders.contains(name)) {
          return false;
        }
      }
      decorate(response);
      response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "POST");
      if (!asked.isBlank()) {
        response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, asked);
      }
      response.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, Long.toString(cors.maxAge.toSeconds()));
      return true;
    }
  }

  /** Returns the decision for a request's {@code origin} header under these settings (or none). */
  static Decision decide(Cors cors, String origin) {
    return cors != null && cors.allows(origin) ? new Decision(cors, origin) : Decision.NONE;
  }

  @Override
  public String toString() {
    return "Cors{origins=" + origins() + "}";
  }

  /** Builds {@link Cors}; each setter checks its argument at once. Not thread-safe. */
  public static final class Builder {
    private final Set<String> origins = new LinkedHashSet<>();
    private boolean anyOrigin;
    private final Set<String> allowedHeaders = new LinkedHashSet<>(DEFAULT_ALLOWED_HEADERS);
    private final Set<String> exposed = new LinkedHashSet<>();
    private boolean allowCredentials;
    private Duration maxAge = DEFAULT_MAX_AGE;

    private Builder() {}

    /**
     * Allows an origin, e.g. {@code https://app.example.com}, or {@code *} for any.
     *
     * @throws NullPointerException if the origin is null
     * @throws IllegalArgumentException if it is not {@code *} nor {@code scheme://host[:port]}
     */
    public Builder allowOrigin(String origin) {
      Objects.requireNonNull(origin, "origin");
      if (origin.equals("*")) {
        anyOrigin = true;
      } else if (origin.matches("[a-z][a-z0-9+.-]*://[^/\\s]+")) {
        origins.add(origin);
      } else {
        throw new IllegalArgumentException(
            "origin: '" + origin + "' (expected: * or scheme://host[:port], no path)");
      }
      return this;
    }

    /**
     * Allows one more request header (beyond {@link #DEFAULT_ALLOWED_HEADERS}).
     *
     * @throws NullPointerException if the name is null
     * @throws IllegalArgumentException if it is blank
     */
    public Builder allowHeader(String name) {
      allowedHeaders.add(header(name));
      return this;
    }

    /**
     * Exposes one more response header to scripts (beyond {@link #EXPOSED_HEADERS}).
     *
     * @throws NullPointerException if the name is null
     * @throws IllegalArgumentException if it is blank
     */
    public Builder exposeHeader(String name) {
      exposed.add(header(name));
      return this;
    }

    /** Lets browsers send cookies and client certificates (default false). */
    public Builder allowCredentials(boolean allow) {
      this.allowCredentials = allow;
      return this;
    }

    /**
     * Sets how long browsers may cache a preflight answer. Default 2 hours.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxAge(Duration maxAge) {
      Objects.requireNonNull(maxAge, "maxAge");
      if (maxAge.isNegative()) {
        throw new IllegalArgumentException("maxAge: " + maxAge + " (expected: >= 0)");
      }
      this.maxAge = maxAge;
      return this;
    }

    /**
     * Builds the settings.
     *
     * @throws IllegalStateException if no origin was allowed
     */
    public Cors build() {
      if (!anyOrigin && origins.isEmpty()) {
        throw new IllegalStateException(
            "cors: no origin (expected: allowOrigin(...) at least once)");
      }
      return new Cors(this);
    }

    private static String header(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name: '' (expected: a header name)");
      }
      return name.strip().toLowerCase(Locale.ROOT);
    }
  }
}
