package io.switchboard.spring;

import io.switchboard.pool.ChannelPool;
import io.switchboard.pool.KeepAlivePreset;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Channel pools per named client, bound from {@code switchboard.pool.*}:
 *
 * <pre>
 * switchboard.pool.clients.users.target=dns:///users.internal:443
 * switchboard.pool.clients.users.max-channels=8
 * switchboard.pool.clients.users.keep-alive=cloud-load-balancer
 * switchboard.pool.clients.users.health-check.service=demo.UserService
 * switchboard.pool.clients.users.tls.bundle=internal-ca
 * </pre>
 *
 * <p>Each client gets one {@link ChannelPool}, built on first use and shared by every stub of that
 * name: {@code GrpcChannelFactory.createChannel("users")}, {@code @ImportGrpcClients(target =
 * "users")} and {@link ChannelPools#get(String)}. Unset sizes and durations take the pool's
 * defaults. Immutable; Spring binds it through its constructor.
 *
 * @param clients the named clients, each becoming one pool
 * @param shutdownGrace how long the pools' calls in flight may run on when the application context
 *     closes before they are cancelled
 */
@ConfigurationProperties("switchboard.pool")
public record SwitchboardPoolProperties(
    Map<String, Client> clients, @DefaultValue("30s") Duration shutdownGrace) {

  /**
   * Thirty seconds to finish calls in flight when the context closes: Spring gRPC's own default
   * shutdown grace for channels.
   */
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

  /**
   * Copies the map and fills in defaults.
   *
   * @throws IllegalArgumentException if the shutdown grace is negative
   */
  public SwitchboardPoolProperties {
    clients = clients == null ? Map.of() : Map.copyOf(clients);
    shutdownGrace = shutdownGrace == null ? DEFAULT_SHUTDOWN_GRACE : shutdownGrace;
    if (shutdownGrace.isNegative()) {
      throw new IllegalArgumentException(
          "switchboard.pool.shutdown-grace: " + shutdownGrace + " (expected: >= 0)");
    }
  }

  /**
   * One named client: its target and the settings of its pool.
   *
   * @param target where the pool connects: any target grpc-java accepts ({@code host:port}, {@code
   *     dns:///host:port}, {@code xds:///name}). Placeholders are resolved when the pool is built,
   *     so {@code 127.0.0.1:${local.grpc.server.port}} works for an application calling itself
   * @param minChannels the channels the pool keeps at least, connected when it is built
   * @param maxChannels the channels the pool grows to at most
   * @param maxConcurrentStreams the server's HTTP/2 MAX_CONCURRENT_STREAMS, if known: the pool
   *     grows when every channel carries that many calls
   * @param callsPerChannel the calls in flight per channel at which the pool grows (default: the
   *     max concurrent streams if set, else 100)
   * @param idleTimeout how long the pool must have been oversized before it shrinks (default 2
   *     minutes)
   * @param maxChannelAge refresh each channel at this age, one at a time (default: never)
   * @param replaceUnhealthyAfter how long a channel may stay unhealthy before it is replaced
   *     (default 10 seconds)
   * @param warmUpTimeout how long a replacement channel may take to become ready (default 20
   *     seconds)
   * @param keepAlive the client half of a keepalive preset (default: grpc-java's, no pings); run
   *     the server with the same preset's server half ({@code switchboard.server.keep-alive})
   * @param healthCheck grpc.health.v1 checks on each channel
   * @param tls transport security
   */
  public record Client(
      String target,
      @DefaultValue("" + ChannelPool.DEFAULT_MIN_CHANNELS) int minChannels,
      @DefaultValue("" + ChannelPool.DEFAULT_MAX_CHANNELS) int maxChannels,
      Integer maxConcurrentStreams,
      Integer callsPerChannel,
      Duration idleTimeout,
      Duration maxChannelAge,
      Duration replaceUnhealthyAfter,
      Duration warmUpTimeout,
      KeepAlivePreset keepAlive,
      @DefaultValue HealthCheck healthCheck,
      @DefaultValue Tls tls) {

    /** Fills in the nested defaults when the binder did not. */
    public Client {
      healthCheck = healthCheck == null ? new HealthCheck(null, null, null) : healthCheck;
      tls = tls == null ? new Tls(true, null, null) : tls;
    }
  }

  /**
   * grpc.health.v1 checks on each pooled channel: a channel whose last check did not answer SERVING
   * in time leaves the rotation until one does.
   *
   * @param service the service to check ({@code ""} for the whole server); checks are off when
   *     unset
   * @param interval the time between checks (default 5 seconds)
   * @param timeout the deadline of one check (default 2 seconds)
   */
  public record HealthCheck(String service, Duration interval, Duration timeout) {}

  /**
   * Transport security of a client's channels.
   *
   * @param enabled whether the channels use TLS; plaintext HTTP/2 when false
   * @param bundle the name of a Spring Boot SSL bundle ({@code spring.ssl.bundle.*}) whose trust
   *     material checks the server and whose key material, if any, identifies the client (mutual
   *     TLS); the JVM's default trust store when unset
   * @param authority the authority (host name) to check the server's certificate against and to
   *     send, when it differs from the target's, e.g. for an IP address target
   */
  public record Tls(@DefaultValue("true") boolean enabled, String bundle, String authority) {}
}
