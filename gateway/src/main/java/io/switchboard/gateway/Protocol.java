package io.switchboard.gateway;

/**
 * The protocols the gateway serves on its one port, told apart per request by the {@code
 * content-type}. {@link RouteMetrics#calls(Protocol)} counts calls by protocol.
 */
public enum Protocol {
  /** Native gRPC over HTTP/2: {@code application/grpc} and {@code application/grpc+*}. */
  GRPC,
  /**
   * gRPC-Web, binary ({@code application/grpc-web}, {@code application/grpc-web+*}) or base64
   * ({@code application/grpc-web-text}, {@code application/grpc-web-text+*}), over HTTP/1.1 or
   * HTTP/2: unary and server-streaming calls.
   */
  GRPC_WEB,
  /**
   * The Connect protocol with JSON: unary ({@code application/json}) and server-streaming ({@code
   * application/connect+json}), messages transcoded to and from MessagePack.
   */
  JSON
}
