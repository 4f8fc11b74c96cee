package io.switchboard.gateway;

import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
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

  /** Opens the backend of a route. */
  @FunctionalInterface
  interface Factory {
    Backend open(Route route);
  }

  /** A backend over one managed channel: healthy while the channel is READY. */
  static Backend of(ManagedChannel channel) {
    return of(channel, () -> channel.getState(true) == ConnectivityState.READY);
  }

  /** A backend over a route's channel pool: health, growth and keepalive are the pool's. */
  static Backend pooled(Route route) {
    ChannelPool.Builder builder =
        ChannelPool.forTarget(route.target())
            .name("gateway route " + route.name())
            .channelCustomizer(
                channel -> {
                  channel.maxInboundMessageSize(route.maxMessageBytes());
                  if (channel instanceof NettyChannelBuilder netty) {
                    netty.flowControlWindow(route.flowControlWindowBytes());
                  }
                });
    if (route.plaintext()) {
      builder.usePlaintext();
    }
    route.poolSettings().accept(builder);
    ChannelPool pool = builder.build();
    return of(pool, pool::isHealthy);
  }

  private static Backend of(ManagedChannel channel, BooleanSupplier health) {
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
