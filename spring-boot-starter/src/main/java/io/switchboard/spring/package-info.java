/**
 * Switchboard for Spring Boot 4, on Spring gRPC's extension points.
 *
 * <ul>
 *   <li>Clients: {@code switchboard.pool.clients.<name>.*} ({@link
 *       io.switchboard.spring.SwitchboardPoolProperties}) gives each named client a {@link
 *       io.switchboard.pool.ChannelPool}; Spring gRPC's channel of that name is the pool, so
 *       generated stubs and {@code @ImportGrpcClients(target = "<name>")} call through it. The
 *       pools themselves: {@link io.switchboard.spring.ChannelPools}.
 *   <li>Services: every {@link io.grpc.ServerServiceDefinition} bean (code-first, from {@code
 *       ServiceBinder}) is served by Spring gRPC's server.
 *   <li>Health: an Actuator {@code channelPools} component, one entry per client.
 *   <li>Metrics: the pools' counters observed through Switchboard's metrics seam ({@code
 *       switchboard.pool.*}), on a {@code MetricSink} bean: Micrometer's by default.
 * </ul>
 */
package io.switchboard.spring;
