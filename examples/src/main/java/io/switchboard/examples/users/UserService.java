package io.switchboard.examples.users;

import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.switchboard.batch.BatchHandler;
import io.switchboard.batch.Transactor;
import io.switchboard.core.ServiceBinder;
import io.switchboard.examples.users.UserBatchApi.BatchGetUsersResponse;
import io.switchboard.examples.users.UserBatchApi.BatchUpdateUsersResponse;
import io.switchboard.examples.users.UserBatchApi.UserUpdate;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server side of {@link UserApi} and {@link UserBatchApi}: plain functions bound with core's
 * binder, batches run by {@link BatchHandler}s on a pool of database workers.
 */
public final class UserService implements AutoCloseable {
  /** Database workers: as many as a batch's items run at once, within the connection pool. */
  private static final int WORKERS = 8;

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final UserRepository repository;
  private final ExecutorService workers;
  private final BatchHandler<Long, User> getUsers;
  private final BatchHandler<UserUpdate, User> updateUsers;

  /**
   * Creates the service over the repository. {@link #close()} stops its database workers (daemon
   * threads, so a process that forgets to close it still exits).
   */
  public UserService(UserRepository repository) {
    this.repository = repository;
    String name = "user-db-worker-" + POOLS.incrementAndGet() + "-";
    AtomicInteger threads = new AtomicInteger();
    this.workers =
        Executors.newFixedThreadPool(
            WORKERS,
            r -> {
              Thread t = new Thread(r, name + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.getUsers =
        BatchHandler.<Long, User>perItem(this::getUser)
            .executor(workers)
            .parallelism(WORKERS)
            .build();
    this.updateUsers =
        BatchHandler.<Connection, UserUpdate, User>allOrNothing(
                new Transactor<>() {
                  @Override
                  public Connection begin() throws Exception {
                    return repository.beginTransaction();
                  }

                  @Override
                  public void commit(Connection c) throws Exception {
                    try (c) {
                      c.commit();
                    }
                  }

                  @Override
                  public void rollback(Connection c) throws Exception {
                    try (c) {
                      c.rollback();
                    }
                  }
                },
                this::updateUser)
            .executor(workers)
            .build();
  }

  /** Stops the database workers, after the batches they are running; closes no repository. */
  @Override
  public void close() {
    workers.shutdown();
  }

  /** Returns the definition to add to a server. */
  public ServerServiceDefinition definition() {
    return ServiceBinder.forService(UserApi.SERVICE)
        .unary(UserApi.GET_USER, request -> getUser(request.id()))
        .unaryAsync(
            UserBatchApi.BATCH_GET_USERS,
            // handle(items, toResponse): the binder's cancel (client gone) reaches the batch's
            // work.
            request ->
                getUsers.handle(
                    request.ids(),
                    reply ->
                        new BatchGetUsersResponse(UserBatchApi.toResults(request.ids(), reply))))
        .unaryAsync(
            UserBatchApi.BATCH_UPDATE_USERS,
            request -> {
              List<Long> ids = request.updates().stream().map(UserUpdate::id).toList();
              return updateUsers.handle(
                  request.updates(),
                  reply -> new BatchUpdateUsersResponse(UserBatchApi.toResults(ids, reply)));
            })
        .build();
  }

  private User getUser(long id) {
    if (id <= 0) {
      throw new IllegalArgumentException("id: " + id + " (expected: > 0)");
    }
    return repository
        .find(id)
        .orElseThrow(
            () -> Status.NOT_FOUND.withDescription("no user with id " + id).asRuntimeException());
  }

  private User updateUser(Connection transaction, UserUpdate update) throws Exception {
    if (update.email() == null || !update.email().contains("@")) {
      throw new IllegalArgumentException(
          "email of user " + update.id() + ": \"" + update.email() + "\" (expected: an address)");
    }
    return repository
        .update(transaction, update.id(), update.email(), update.active())
        .orElseThrow(
            () ->
                Status.NOT_FOUND
                    .withDescription("no user with id " + update.id())
                    .asRuntimeException());
  }
}
