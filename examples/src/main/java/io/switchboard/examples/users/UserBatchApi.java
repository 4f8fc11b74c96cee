package io.switchboard.examples.users;

import io.grpc.Status;
import io.switchboard.batch.BatchReply;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.ServiceSpec;
import io.switchboard.msgpack.MessagePackMarshaller;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The user service's batch methods (same service as {@link UserApi}): {@code BatchGetUsers}, with a
 * result or an error per id, and {@code BatchUpdateUsers}, all or nothing in one database
 * transaction. Shared by server and client; messages in MessagePack.
 */
public final class UserBatchApi {
  /** The same service as {@link UserApi#SERVICE}. */
  public static final ServiceSpec SERVICE = UserApi.SERVICE;

  /** Asks for up to 1000 users by id. */
  public record BatchGetUsersRequest(List<Long> ids) {}

  /**
   * One item's outcome: {@code code} 0 (OK) with the user, or a {@link Status.Code} value with a
   * description.
   */
  public record UserResult(long id, int code, String description, Optional<User> user) {}

  /** One result per requested id, in request order. */
  public record BatchGetUsersResponse(List<UserResult> results) {}

  /** A change to one user. */
  public record UserUpdate(long id, String email, boolean active) {}

  /** Up to 1000 changes applied together or not at all. */
  public record BatchUpdateUsersRequest(List<UserUpdate> updates) {}

  /** One result per update: all updated users, or every item failed. */
  public record BatchUpdateUsersResponse(List<UserResult> results) {}

  /** Fetches users by id; per id: the user, NOT_FOUND, or an error. */
  public static final MethodSpec<BatchGetUsersRequest, BatchGetUsersResponse> BATCH_GET_USERS =
      SERVICE
          .unary(
              "BatchGetUsers",
              MessagePackMarshaller.of(BatchGetUsersRequest.class),
              MessagePackMarshaller.of(BatchGetUsersResponse.class))
          .withIdempotent(true);

  /** Updates users in one transaction: if one update fails, none is applied. */
  public static final MethodSpec<BatchUpdateUsersRequest, BatchUpdateUsersResponse>
      BATCH_UPDATE_USERS =
          SERVICE.unary(
              "BatchUpdateUsers",
              MessagePackMarshaller.of(BatchUpdateUsersRequest.class),
              MessagePackMarshaller.of(BatchUpdateUsersResponse.class));

  private UserBatchApi() {}

  /** Server side: turns a handler's reply into the wire results, one per key. */
  public static List<UserResult> toResults(List<Long> ids, BatchReply<User> reply) {
    List<UserResult> results = new ArrayList<>(reply.size());
    for (int i = 0; i < reply.size(); i++) {
      Status s = reply.status(i);
      results.add(
          new UserResult(
              ids.get(i),
              s.getCode().value(),
              s.getDescription() == null ? "" : s.getDescription(),
              s.isOk() ? Optional.of(reply.output(i)) : Optional.empty()));
    }
    return results;
  }

  /** Client side: turns wire results into the executor's per-item reply. */
  public static BatchReply<User> toBatchReply(List<UserResult> results) {
    BatchReply.Builder<User> reply = BatchReply.builder();
    for (UserResult r : results) {
      if (r.code() == Status.Code.OK.value() && r.user().isPresent()) {
        reply.success(r.user().get());
      } else if (r.code() == Status.Code.OK.value()) {
        reply.failure(Status.INTERNAL.withDescription("OK result without a user for " + r.id()));
      } else {
        reply.failure(Status.fromCodeValue(r.code()).withDescription(r.description()));
      }
    }
    return reply.build();
  }
}
