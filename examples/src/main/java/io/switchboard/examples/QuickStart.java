package io.switchboard.examples;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.msgpack.MessagePackMarshaller;
import io.switchboard.pool.ChannelPool;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** The README's quick start, compiled and tested so that it stays true. */
public final class QuickStart {
  private QuickStart() {}

  // --- quick start: begin ---
  record GetUser(long id) {}

  record User(long id, String name, String email, int age, boolean active) {}

  static final ServiceSpec USERS = ServiceSpec.named("demo.UserService");
  static final MethodSpec<GetUser, User> GET_USER =
      USERS.unary(
          "GetUser", MessagePackMarshaller.of(GetUser.class), MessagePackMarshaller.of(User.class));

  static User run() throws Exception {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                ServiceBinder.forService(USERS)
                    .unary(GET_USER, req -> new User(req.id(), "ada", "ada@example.com", 36, true))
                    .build())
            .build()
            .start();
    ChannelPool pool =
        ChannelPool.newBuilder("127.0.0.1:" + server.getPort()).usePlaintext().build();
    try {
      return RpcClient.create(pool).unary(GET_USER, new GetUser(42)).get(5, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
      server.shutdownNow();
    }
  }

  // --- quick start: end ---

  /** Runs the quick start and prints the user it fetched. */
  public static void main(String[] args) throws Exception {
    System.out.println(run());
  }
}
