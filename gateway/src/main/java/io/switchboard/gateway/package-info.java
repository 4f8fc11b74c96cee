/**
 * A gRPC gateway that routes calls by service name to pooled backends and passes message bytes
 * through unparsed, for all four call kinds, with end-to-end flow control and propagation of
 * headers, deadlines, cancellation and statuses.
 *
 * <ul>
 *   <li>{@link io.switchboard.gateway.Gateway}: the server; builder, start, close, metrics.
 *   <li>{@link io.switchboard.gateway.Route}: one routing-table entry and its limits.
 *   <li>{@link io.switchboard.gateway.Authenticator}: the hook that admits or refuses calls.
 *   <li>{@link io.switchboard.gateway.RouteMetrics}: per-route counters.
 *   <li>{@link io.switchboard.gateway.GatewayMain}: the gateway on its own, from a routes file.
 * </ul>
 */
package io.switchboard.gateway;
