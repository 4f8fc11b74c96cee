package io.switchboard.examples;

import io.grpc.StatusRuntimeException;
import io.switchboard.core.RpcClient;
import io.switchboard.examples.users.GetUserRequest;
import io.switchboard.examples.users.User;
import io.switchboard.examples.users.UserApi;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/** Core: a code-first service called with futures; errors arrive as precise statuses. */
final class UsersDemo {
  private UsersDemo() {}

  static void run(DemoContext ctx) {
    Console out = ctx.out();
    out.section("1. A code-first service: demo.UserService/GetUser");
    RpcClient client = RpcClient.create(ctx.usersChannel()).withTimeout(Duration.ofSeconds(5));

    User user = client.unary(UserApi.GET_USER, new GetUserRequest(42)).join();
    out.ok(
        "GetUser(42) → %s <%s>, age %d, %s",
        user.name(), user.email(), user.age(), user.active() ? "active" : "inactive");

    for (long id : new long[] {999_999, -1}) {
      try {
        client.unary(UserApi.GET_USER, new GetUserRequest(id)).join();
      } catch (CompletionException e) {
        StatusRuntimeException status = (StatusRuntimeException) e.getCause();
        out.expected(
            "GetUser(%d) → %s: %s",
            id, status.getStatus().getCode(), status.getStatus().getDescription());
      }
    }
  }
}
