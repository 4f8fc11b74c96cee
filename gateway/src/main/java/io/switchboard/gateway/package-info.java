/**
 * A gRPC gateway that routes calls by service name to pooled backends and passes message bytes
 * through unparsed, for all four call kinds, with end-to-end flow control and propagation of
 * headers, deadlines, cancellation and statuses. Its one port serves native gRPC, gRPC-Web and the
 * Connect protocol's JSON over HTTP/1.1 and HTTP/2, cleartext or TLS.
 *
 * <ul>
 *   <li>{@link io.switchboard.gateway.Gateway}: the server; builder, start, close, metrics.
 *   <li>{@link io.switchboard.gateway.Protocol}: the protocols on the port, told apart per request.
 *   <li>{@link io.switchboard.gateway.ServerTls}: TLS of the port (PEM files, reload, mutual TLS).
 *   <li>{@link io.switchboard.gateway.Cors}: which browser origins may call, globally or per route.
 *   <li>{@link io.switchboard.gateway.Route}: one routing-table entry and its limits.
 *   <li>{@link io.switchboard.gateway.Authenticator}: the hook that admits or refuses calls, with
 *       the caller's TLS certificate where there is one.
 *   <li>{@link io.switchboard.gateway.RouteMetrics}: per-route counters.
 *   <li>{@link io.switchboard.gateway.GatewayMain}: the gateway on its own, from a routes file.
 * </ul>
 */
package io.switchboard.gateway;
