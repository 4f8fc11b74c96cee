package io.switchboard.examples;

import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.switchboard.examples.batch.BatchDemo;
import io.switchboard.examples.gateway.GatewayDemo;
import io.switchboard.examples.logs.LogsDemo;
import io.switchboard.examples.pool.PoolDemo;
import io.switchboard.examples.users.UserRepository;
import io.switchboard.examples.users.UserService;
import io.switchboard.pool.ChannelPool;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The Switchboard demo: starts the user service on an ephemeral loopback port, runs one section per
 * module against it, prints what happens, shuts everything down and exits 0.
 *
 * <p>Run it from a fresh clone with {@code mvn -B -q -Pdemo -pl examples -am package -DskipTests}.
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) throws Exception {
    Console out = new Console(System.out);
    out.banner("Switchboard demo: gRPC service-to-service, on loopback");

    try (UserRepository users = new UserRepository(10_000);
        UserService userService = new UserService(users)) {
      Server server =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .addService(userService.definition())
              .build()
              .start();
      InetSocketAddress address = (InetSocketAddress) server.getListenSockets().get(0);
      String target = "127.0.0.1:" + address.getPort();
      // The user client goes through a channel pool: it is a ManagedChannel, so any stub takes it.
      ChannelPool channel =
          ChannelPool.newBuilder(() -> NettyChannelBuilder.forAddress(address))
              .usePlaintext()
              .name("users")
              .build();
      out.say("user service listening on %s", target);
      try {
        DemoContext ctx = new DemoContext(out, target, channel, users);
        // Demo sections, in module order.
        UsersDemo.run(ctx);
        PoolDemo.run(ctx);
        BatchDemo.run(ctx);
        LogsDemo.run(ctx);
        GatewayDemo.run(ctx);
        // (end of demo sections)
      } finally {
        channel.shutdownNow();
        server.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    out.section("Done");
    out.ok("all servers, channels and database connections shut down");
  }
}
