package io.switchboard.gateway;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import io.switchboard.pool.ChannelPool;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What the gateway needs from a route's backend connection: a channel to call, its health, and a
 * way to close it. The seam between the proxy and the pool.
 */
interface Backend {
  /** Returns the channel calls go through. */
  Channel channel();

  /** Returns whether the backend can take calls now. */
  boolean isHealthy();

  /** Starts an orderly shutdown. */
  void shutdown();

  /** Cancels whatever is left. */
  void shutdownNow();

  /** Waits for the shutdown to finish. */
  boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException;

  /**
   * A backend over a route's channel pool: health, growth and keepalive are the pool's.
   *
   * <p>Each channel builder comes with the route's message limit and flow-control window already
   * set; the route's {@linkplain Route.Builder#pool pool settings} are applied next, so that a
   * {@code channelCustomizer} of theirs adds to those limits instead of dropping them; the
   * gateway's name and TLS choice are applied last.
   */
  static Backend pooled(Route route) {
    SslContext tls =
        route.trustedCertificates().isPresent() || route.clientCertificateChain().isPresent()
            ? TlsContexts.forBackend(route)
            : null;
    ChannelPool.Builder builder =
        ChannelPool.newBuilder(
            () -> {
              NettyChannelBuilder channel =
                  NettyChannelBuilder.forTarget(route.target())
                      .maxInboundMessageSize(route.maxMessageBytes())
                      .flowControlWindow(route.flowControlWindowBytes());
              if (tls != null) {
                channel.sslContext(tls);
              }
              return channel;
            });
    route.poolSettings().accept(builder);
    builder.name("gateway route " + route.name());
    if (route.plaintext()) {
      builder.usePlaintext();
    }
    ChannelPool pool = builder.build();
    return of(pool, pool::isHealthy);
  }

  static Backend of(ManagedChannel channel, BooleanSupplier health) {
    return new Backend() {
      @Override
      public Channel channel() {
        return channel;
      }

      @Override
      public boolean isHealthy() {
        return health.getAsBoolean();
      }

      @Override
      public void shutdown() {
        channel.shutdown();
      }

      @Override
      public void shutdownNow() {
        channel.shutdownNow();
      }

      @Override
      public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return channel.awaitTermination(timeout, unit);
      }
    };
  }
}
