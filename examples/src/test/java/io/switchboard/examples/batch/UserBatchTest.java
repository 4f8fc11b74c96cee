package io.switchboard.examples.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.switchboard.core.RpcClient;
import io.switchboard.examples.users.User;
import io.switchboard.examples.users.UserBatchApi;
import io.switchboard.examples.users.UserBatchApi.BatchGetUsersRequest;
import io.switchboard.examples.users.UserBatchApi.BatchUpdateUsersRequest;
import io.switchboard.examples.users.UserBatchApi.UserResult;
import io.switchboard.examples.users.UserBatchApi.UserUpdate;
import io.switchboard.examples.users.UserRepository;
import io.switchboard.examples.users.UserService;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class UserBatchTest {
  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private RpcClient client(UserRepository users) {
    TestServer server = grpc.inProcessServer(grpc.register(new UserService(users)).definition());
    return RpcClient.create(server.newChannel()).withTimeout(Duration.ofSeconds(10));
  }

  @Test
  void batchGetReportsFoundNotFoundAndErrorPerItem() {
    UserRepository users = grpc.register(new UserRepository(2000));
    List<UserResult> results =
        client(users)
            .unary(
                UserBatchApi.BATCH_GET_USERS, new BatchGetUsersRequest(List.of(5L, 1999L, 3000L)))
            .join()
            .results();
    assertThat(results).hasSize(3);
    assertThat(results.get(0).code()).isZero();
    assertThat(results.get(0).user().map(User::email)).contains("user5@example.com");
    assertThat(results.get(1).code()).isEqualTo(Status.Code.INTERNAL.value());
    assertThat(results.get(1).description()).contains("row of user 1999 is corrupt");
    assertThat(results.get(2).code()).isEqualTo(Status.Code.NOT_FOUND.value());
    assertThat(results.get(2).description()).isEqualTo("no user with id 3000");
  }

  @Test
  void allOrNothingUpdateLeavesTheDatabaseUnchangedWhenOneItemFails() {
    UserRepository users = grpc.register(new UserRepository(100));
    RpcClient client = client(users);
    User one = users.find(1).orElseThrow();
    User two = users.find(2).orElseThrow();
    List<UserResult> failed =
        client
            .unary(
                UserBatchApi.BATCH_UPDATE_USERS,
                new BatchUpdateUsersRequest(
                    List.of(
                        new UserUpdate(1, "new1@example.org", false),
                        new UserUpdate(2, "not-an-address", false),
                        new UserUpdate(3, "new3@example.org", false))))
            .join()
            .results();
    assertThat(failed)
        .extracting(UserResult::code)
        .containsExactly(
            Status.Code.ABORTED.value(),
            Status.Code.INVALID_ARGUMENT.value(),
            Status.Code.ABORTED.value());
    assertThat(failed.get(0).description())
        .contains("rolled back because item 1 failed with INVALID_ARGUMENT");
    assertThat(users.find(1)).contains(one);
    assertThat(users.find(2)).contains(two);

    List<UserResult> applied =
        client
            .unary(
                UserBatchApi.BATCH_UPDATE_USERS,
                new BatchUpdateUsersRequest(List.of(new UserUpdate(1, "new1@example.org", false))))
            .join()
            .results();
    assertThat(applied.get(0).code()).isZero();
    assertThat(users.find(1).map(User::email)).contains("new1@example.org");
  }
}
