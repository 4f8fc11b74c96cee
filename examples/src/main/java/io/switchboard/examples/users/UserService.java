package io.switchboard.examples.users;

import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.switchboard.core.ServiceBinder;

/** The server side of {@link UserApi}: plain functions bound with core's binder. */
public final class UserService {
  private final UserRepository repository;

  public UserService(UserRepository repository) {
    this.repository = repository;
  }

  /** Returns the definition to add to a server. */
  public ServerServiceDefinition definition() {
    return ServiceBinder.forService(UserApi.SERVICE).unary(UserApi.GET_USER, this::getUser).build();
  }

  private User getUser(GetUserRequest request) {
    if (request.id() <= 0) {
      throw new IllegalArgumentException("id: " + request.id() + " (expected: > 0)");
    }
    return repository
        .find(request.id())
        .orElseThrow(
            () ->
                Status.NOT_FOUND
                    .withDescription("no user with id " + request.id())
                    .asRuntimeException());
  }
}
