package io.switchboard.gateway;

import io.grpc.Metadata;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

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
 * Gateway.Builder#executor executor} if it must). If it throws, the call fails with {@code
 * UNAUTHENTICATED} and the exception is not forwarded (fail closed). Calls to the gateway's own
 * {@code grpc.health.v1.Health} service are not authenticated, so load balancers can probe it.
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
