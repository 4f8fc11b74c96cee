package io.switchboard.gateway;

import io.grpc.Metadata;
import java.util.List;
import java.util.stream.Stream;

/**
 * Which headers cross the gateway. Hop-by-hop headers (RFC 9110 section 7.6.1; HTTP/2 already
 * refuses {@code connection} itself) and those grpc sets itself for each hop (content type,
 * encodings, timeout, user agent) are dropped both ways; the client's credentials ({@code
 * authorization}) are dropped on the way to the backend unless the gateway is told to forward them.
 * Everything else, binary headers and {@code grpc-status-details-bin} included, passes unchanged.
 */
final class HeaderPolicy {
  private static final List<Metadata.Key<String>> PER_HOP =
      Stream.of(
              "keep-alive",
              "proxy-connection",
              "proxy-authenticate",
              "proxy-authorization",
              "te",
              "trailer",
              "transfer-encoding",
              "upgrade",
              "host",
              "content-length",
              "content-type",
              "user-agent",
              "grpc-timeout",
              "grpc-encoding",
              "grpc-accept-encoding")
          .map(name -> Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER))
          .toList();

  private final boolean forwardCredentials;

  HeaderPolicy(boolean forwardCredentials) {
    this.forwardCredentials = forwardCredentials;
  }

  /** Returns the headers to send to the backend for a client's request headers. */
  Metadata toBackend(Metadata fromClient) {
    Metadata headers = new Metadata();
    headers.merge(fromClient);
    stripPerHop(headers);
    if (!forwardCredentials) {
      headers.discardAll(Authenticator.AUTHORIZATION);
    }
    return headers;
  }

  /** Strips the backend's response headers or trailers in place and returns them. */
  Metadata toClient(Metadata fromBackend) {
    stripPerHop(fromBackend);
    return fromBackend;
  }

  private static void stripPerHop(Metadata headers) {
    for (Metadata.Key<String> key : PER_HOP) {
      if (headers.containsKey(key)) {
        headers.discardAll(key);
      }
    }
  }
}
