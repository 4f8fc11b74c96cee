package io.switchboard.examples;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.switchboard.examples.users.UserRepository;
import io.switchboard.examples.users.UserService;
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

    UserRepository users = new UserRepository(10_000);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(new UserService(users).definition())
            .build()
            .start();
    InetSocketAddress address = (InetSocketAddress) server.getListenSockets().get(0);
    String target = "127.0.0.1:" + address.getPort();
    ManagedChannel channel = NettyChannelBuilder.forAddress(address).usePlaintext().build();
    out.say("user service listening on %s", target);
    try {
      DemoContext ctx = new DemoContext(out, target, channel, users);
      // Demo sections, in module order. Each issue adds its line here.
      UsersDemo.run(ctx);
      // (end of demo sections)
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
    out.section("Done");
    out.ok("all servers and channels shut down");
  }
}
