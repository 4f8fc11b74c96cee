package io.switchboard.gateway;

import io.grpc.Metadata;
import io.grpc.Status;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Decides whether the gateway forwards a call, so that it is not an open proxy: a one-method hook
 * in the spirit of OkHttp's {@code Interceptor}.
 *
 * <pre>{@code
 * Gateway.builder().authenticator(Authenticator.bearerToken(System.getenv("GATEWAY_TOKEN")))
 * }</pre>
 *
 * <p>The hook runs once per call, before the call reaches a backend, on the thread that received
 * the call (by default a transport thread: it must not block; give the gateway an {@linkplain
 * Gateway.Builder#executor executor} if it must). If it throws anything, an exception or an {@link
 * Error} such as {@code AssertionError}, the call fails with {@code UNAUTHENTICATED}, nothing of
 * the throwable is forwarded (fail closed), and the gateway logs the first failure with its stack
 * trace, then at most one warning a minute with the count. A call with more than one {@code
 * authorization} header is refused with {@code UNAUTHENTICATED} before the hook runs (which one
 * counts would be ambiguous). Calls to the gateway's own {@code grpc.health.v1.Health} service are
 * not authenticated, so load balancers can probe it.
 */
@FunctionalInterface
public interface Authenticator {
  /**
   * Checks a call's request headers.
   *
   * @param fullMethodName the called method, e.g. {@code demo.UserService/GetUser}
   * @param headers the request headers as the client sent them (read them, do not change them)
   * @return {@link Status#OK} to forward the call, or the status to fail it with (usually {@code
   *     UNAUTHENTICATED} or {@code PERMISSION_DENIED}, with a description the caller can act on)
   */
  Status authenticate(String fullMethodName, Metadata headers);

  /**
   * Checks a call with what the transport knows of its caller: the protocol it came in, its address
   * and, over mutual TLS, its verified certificate. The gateway calls this method; by default it
   * ignores the caller and calls {@link #authenticate(String, Metadata)}. Override it (or use
   * {@link #clientCertificate}) to admit callers by their certificate.
   *
   * @param fullMethodName the called method, e.g. {@code demo.UserService/GetUser}
   * @param headers the request headers (read them, do not change them)
   * @param caller who is calling
   * @return {@link Status#OK} to forward the call, or the status to fail it with
   */
  default Status authenticate(String fullMethodName, Metadata headers, Caller caller) {
    return authenticate(fullMethodName, headers);
  }

  /**
   * The caller of one call as the transport knows it.
   *
   * @param protocol the protocol the call came in
   * @param remoteAddress the client's address
   * @param certificates the client's verified certificate chain (leaf first) over mutual TLS, else
   *     empty
   */
  record Caller(
      Protocol protocol, SocketAddress remoteAddress, List<X509Certificate> certificates) {
    /**
     * Creates a caller; the list is copied.
     *
     * @throws NullPointerException if the protocol or certificates are null
     */
    public Caller {
      Objects.requireNonNull(protocol, "protocol");
      certificates = List.copyOf(certificates);
    }

    /** Returns the client's certificate, if it presented one (mutual TLS). */
    public Optional<X509Certificate> certificate() {
      return certificates.isEmpty() ? Optional.empty() : Optional.of(certificates.get(0));
    }
  }

  /**
   * Returns an authenticator that admits callers whose verified TLS client certificate passes
   * {@code allowed} (e.g. by its subject), refusing others with {@code PERMISSION_DENIED} and
   * callers without a certificate with {@code UNAUTHENTICATED}. Needs {@link ServerTls} asking for
   * client certificates.
   *
   * @throws NullPointerException if the predicate is null
   */
  static Authenticator clientCertificate(Predicate<X509Certificate> allowed) {
    Objects.requireNonNull(allowed, "allowed");
    return new Authenticator() {
      @Override
      public Status authenticate(String fullMethodName, Metadata headers) {
        return Status.UNAUTHENTICATED.withDescription(
            "no TLS client certificate (the gateway requires one)");
      }

      @Override
      public Status authenticate(String fullMethodName, Metadata headers, Caller caller) {
        if (caller.certificate().isEmpty()) {
          return authenticate(fullMethodName, headers);
        }
        X509Certificate certificate = caller.certificate().get();
        if (!allowed.test(certificate)) {
          return Status.PERMISSION_DENIED.withDescription(
              "client certificate "
                  + certificate.getSubjectX500Principal().getName()
                  + " may not call "
                  + fullMethodName);
        }
        return Status.OK;
      }
    };
  }

  /** The {@code authorization} request header. */
  Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * Returns an authenticator that accepts calls whose {@code authorization} header is {@code Bearer
   * <token>}, compared in constant time; others fail with {@code UNAUTHENTICATED}.
   *
   * @throws NullPointerException if the token is null
   * @throws IllegalArgumentException if the token is empty or has whitespace
   */
  static Authenticator bearerToken(String token) {
    Objects.requireNonNull(token, "token");
    if (token.isEmpty() || token.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "token: of length " + token.length() + " (expected: non-empty, no whitespace)");
    }
    byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.US_ASCII);
    return (method, headers) -> {
      String presented = headers.get(AUTHORIZATION);
      if (presented == null) {
        return Status.UNAUTHENTICATED.withDescription(
            "missing 'authorization: Bearer <token>' header (the gateway requires a token)");
      }
      if (!MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.US_ASCII))) {
        return Status.UNAUTHENTICATED.withDescription(
            "invalid bearer token in the 'authorization' header");
      }
      return Status.OK;
    };
  }
}
