package io.switchboard.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.switchboard.core.internal.DaemonThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gateway's one listening socket: accepts connections and hands each to a {@link
 * FrontConnection}. Owns its event loops.
 */
final class FrontServer {
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel listener;

  private FrontServer(EventLoopGroup boss, EventLoopGroup workers, Channel listener) {
    this.boss = boss;
    this.workers = workers;
    this.listener = listener;
  }

  /**
   * Binds and starts serving.
   *
   * @param threads event-loop threads for connections (0: Netty's default, twice the cores)
   * @throws InterruptedException if interrupted while binding
   * @throws java.io.IOException (sneaky, from Netty) if the address cannot be bound
   */
  static FrontServer start(
      InetSocketAddress address,
      FrontSettings settings,
      Supplier<SslContext> tls,
      int windowBytes,
      int threads)
      throws InterruptedException {
    EventLoopGroup boss =
        new MultiThreadIoEventLoopGroup(
            1, new DaemonThreadFactory("switchboard-gateway-accept"), NioIoHandler.newFactory());
    EventLoopGroup workers =
        new MultiThreadIoEventLoopGroup(
            threads,
            new DaemonThreadFactory("switchboard-gateway-front"),
            NioIoHandler.newFactory());
    try {
      Channel listener =
          new ServerBootstrap()
              .group(boss, workers)
              .channel(NioServerSocketChannel.class)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(new FrontConnection(settings, tls, windowBytes))
              .bind(address)
              .sync()
              .channel();
      return new FrontServer(boss, workers, listener);
    } catch (InterruptedException | RuntimeException e) {
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
  }

  InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  /** Stops accepting connections. */
  void stopAccepting() {
    listener.close().syncUninterruptibly();
  }

  /** Closes every connection and stops the event loops, waiting up to {@code wait}. */
  void shutdown(Duration wait) throws InterruptedException {
    listener.close().syncUninterruptibly();
    boss.shutdownGracefully(0, wait.toMillis(), TimeUnit.MILLISECONDS);
    workers.shutdownGracefully(0, wait.toMillis(), TimeUnit.MILLISECONDS);
    boss.awaitTermination(wait.toMillis() + 1000, TimeUnit.MILLISECONDS);
    workers.awaitTermination(wait.toMillis() + 1000, TimeUnit.MILLISECONDS);
  }

  void awaitTermination() throws InterruptedException {
    workers.awaitTermination(Long.MAX_VALUE, TimeUnit.DAYS);
  }
}
