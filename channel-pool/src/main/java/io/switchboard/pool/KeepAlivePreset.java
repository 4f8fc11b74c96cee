package io.switchboard.pool;

import java.time.Duration;

/**
 * Keepalive settings that come in client+server pairs: configure the client with {@link #client()}
 * (e.g. {@link ChannelPool.Builder#keepAlive}) and the server with {@link #server()} ({@link
 * ServerKeepAlivePolicy#applyTo}). Each pair is {@linkplain ClientKeepAlive#isCompatibleWith
 * compatible}: the server never answers the client's pings with "too_many_pings".
 *
 * <p>Sources for the numbers: gRFC A8 (client keepalive), the grpc.io keepalive guide, grpc-java's
 * defaults (server permitKeepAliveTime 5 min, client keepAliveTime floor 10 s, keepAliveTimeout 20
 * s) and AWS NLB's fixed 350 s idle timeout for TCP.
 *
 * <table>
 *   <caption>Presets</caption>
 *   <tr><th>preset</th><th>client time / timeout / without calls</th>
 *       <th>server permit / without calls / max idle / max age (grace)</th></tr>
 *   <tr><td>DEFAULT</td><td>6 min / 20 s / no</td><td>5 min / no / never / never</td></tr>
 *   <tr><td>CLOUD_LOAD_BALANCER</td><td>4 min / 20 s / yes</td>
 *       <td>3 min / yes / never / 30 min (1 min)</td></tr>
 *   <tr><td>FAST_FAILURE_DETECTION</td><td>10 s / 5 s / yes</td>
 *       <td>5 s / yes / never / never</td></tr>
 *   <tr><td>MOBILE</td><td>10 min / 30 s / no</td><td>5 min / no / 15 min / never</td></tr>
 * </table>
 */
public enum KeepAlivePreset {
  /**
   * Safe against any grpc-java server left at its defaults. Client: ping after 6 min without reads
   * (grpc-java servers permit one ping per 5 min by default; 1 min margin), wait 20 s for the
   * answer (grpc's default timeout), no pings without calls (default servers forbid them). Server:
   * grpc-java's defaults. Detects a dead peer under a call within 6 min 20 s.
   */
  DEFAULT(
      new ClientKeepAlive(Duration.ofMinutes(6), Duration.ofSeconds(20), false),
      ServerKeepAlivePolicy.GRPC_DEFAULTS),

  /**
   * Behind a cloud load balancer that silently drops TCP connections idle for 350 s (AWS NLB; GCP
   * drops after 10 minutes of idleness). Not for a limit of 4 minutes or less, which the 4-minute
   * ping would race; there, use a shorter client keepAliveTime and a server permit below it.
   * Client: ping every 4 min, with or without calls, so no connection is ever 350 s silent (4 min
   * leaves room for one lost ping's 20 s timeout before the limit). Server: permit pings every 3
   * min (1 min under the client's interval) and without calls; close every connection after 30 min
   * (1 min grace for calls in flight) so clients reconnect and spread over servers the balancer
   * added.
   */
  CLOUD_LOAD_BALANCER(
      new ClientKeepAlive(Duration.ofMinutes(4), Duration.ofSeconds(20), true),
      new ServerKeepAlivePolicy(
          Duration.ofMinutes(3),
          true,
          ServerKeepAlivePolicy.NEVER,
          Duration.ofMinutes(30),
          Duration.ofMinutes(1))),

  /**
   * Fast dead-peer detection between services that trust each other. Client: ping after 10 s
   * without reads (grpc-java's floor), 5 s for the answer (a loaded peer can be slow to answer, and
   * a false alarm fails live calls), with or without calls: a dead peer is noticed within 15 s.
   * Server: permit pings every 5 s (half the client's interval) and without calls. Costs one ping
   * each way per 10 s per idle connection.
   */
  FAST_FAILURE_DETECTION(
      new ClientKeepAlive(Duration.ofSeconds(10), Duration.ofSeconds(5), true),
      new ServerKeepAlivePolicy(
          Duration.ofSeconds(5),
          true,
          ServerKeepAlivePolicy.NEVER,
          ServerKeepAlivePolicy.NEVER,
          ServerKeepAlivePolicy.NEVER)),

  /**
   * Mobile or battery-powered clients, where every ping wakes the radio. Client: ping only under a
   * call, after 10 min without reads, and wait 30 s for the answer (cellular wake-up and
   * retransmission take seconds). Server: grpc's 5 min permit, no pings without calls, and close
   * connections idle for 15 min to reclaim those of devices that went away without closing them;
   * the client reconnects on its next call.
   */
  MOBILE(
      new ClientKeepAlive(Duration.ofMinutes(10), Duration.ofSeconds(30), false),
      new ServerKeepAlivePolicy(
          Duration.ofMinutes(5),
          false,
          Duration.ofMinutes(15),
          ServerKeepAlivePolicy.NEVER,
          ServerKeepAlivePolicy.NEVER));

  private final ClientKeepAlive client;
  private final ServerKeepAlivePolicy server;

  KeepAlivePreset(ClientKeepAlive client, ServerKeepAlivePolicy server) {
    this.client = client;
    this.server = server;
  }

  /** Returns the client half: apply it to a channel builder or a {@link ChannelPool.Builder}. */
  public ClientKeepAlive client() {
    return client;
  }

  /** Returns the server half: apply it to a {@code NettyServerBuilder}. */
  public ServerKeepAlivePolicy server() {
    return server;
  }
}
