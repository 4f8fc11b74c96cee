package io.switchboard.spring;

import io.switchboard.pool.KeepAlivePreset;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Switchboard's settings for the Spring gRPC server, bound from {@code switchboard.server.*}.
 *
 * @param keepAlive the server half of a keepalive preset, applied to Spring gRPC's Netty server
 *     (permitted ping rate, connection idle and age limits); unset leaves the server's keepalive to
 *     {@code spring.grpc.server.keepalive.*}. Give clients the same preset's client half ({@code
 *     switchboard.pool.clients.<name>.keep-alive}), so the server never answers their pings with
 *     "too_many_pings"
 */
@ConfigurationProperties("switchboard.server")
public record SwitchboardServerProperties(KeepAlivePreset keepAlive) {}
