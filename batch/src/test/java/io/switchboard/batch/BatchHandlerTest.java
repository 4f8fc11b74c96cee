package io.switchboard.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.testing.Await;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class BatchHandlerTest {
  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private ExecutorService workers(int n) {
    return grpc.register(Executors.newFixedThreadPool(n));
  }

  private static List<Long> ids(int n) {
    return LongStream.rangeClosed(1, n).boxed().collect(Collectors.toList());
  }

  @Test
  void perItemClassifiesEachItemAndBoundsParallelism() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    BatchHandler<Long, String> handler =
        BatchHandler.<Long, String>perItem(
                id -> {
                  maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                  try {
                    if (id % 10 == 0) {
                      throw Status.NOT_FOUND.withDescription("no user " + id).asRuntimeException();
                    }
                    if (id == 7) {
                      throw new IllegalArgumentException("id 7 is reserved");
                    }
                    if (id == 8) {
                      throw new IllegalStateException("database down");
                    }
                    return "user" + id;
                  } finally {
                    running.decrementAndGet();
                  }
                })
            .executor(workers(8))
            .parallelism(3)
            .build();
    BatchReply<String> reply = handler.handle(ids(100)).join();
    assertThat(reply.size()).isEqualTo(100);
    assertThat(reply.output(0)).isEqualTo("user1");
    assertThat(reply.status(9).getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(reply.status(6).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reply.status(6).getDescription()).isEqualTo("id 7 is reserved");
    assertThat(reply.status(7).getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(reply.status(7).getDescription()).contains("database down");
    assertThat(reply.failureCount()).isEqualTo(12);
    assertThat(maxRunning.get()).isBetween(1, 3);
  }

  @Test
  void itemsRunInTheCallersContextOnTheWorkers() throws Exception {
    io.grpc.Context.Key<String> trace = io.grpc.Context.key("trace");
    java.util.Set<String> seen = ConcurrentHashMap.newKeySet();
    BatchHandler<Long, Long> perItem =
        BatchHandler.<Long, Long>perItem(
                id -> {
                  seen.add(id + ":" + trace.get());
                  return id;
                })
            .executor(workers(4))
            .parallelism(4)
            .build();
    BatchHandler<Long, Long> allOrNothing =
        BatchHandler.<Map<Long, String>, Long, Long>allOrNothing(
                new FakeDb().transactor(),
                (tx, id) -> {
                  seen.add("tx" + id + ":" + trace.get());
                  return id;
                })
            .executor(workers(1))
            .build();
    io.grpc.Context caller = io.grpc.Context.current().withValue(trace, "t1");
    caller.call(() -> perItem.handle(ids(20))).get(10, TimeUnit.SECONDS);
    caller.call(() -> allOrNothing.handle(ids(3))).get(10, TimeUnit.SECONDS);
    assertThat(seen).hasSize(23).allMatch(s -> s.endsWith(":t1"));
  }

  @Test
  void validatesTheBatchBeforeAnyItemRuns() {
    AtomicInteger calls = new AtomicInteger();
    BatchHandler<Long, Long> handler =
        BatchHandler.<Long, Long>perItem(
                id -> {
                  calls.incrementAndGet();
                  return id;
                })
            .executor(workers(1))
            .maxBatchSize(10)
            .build();
    assertThatThrownBy(() -> handler.handle(ids(11)).join())
        .hasCauseInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("INVALID_ARGUMENT: batch of 11 items exceeds the maximum of 10");
    List<Long> withNull = new ArrayList<>(ids(3));
    withNull.set(1, null);
    assertThatThrownBy(() -> handler.handle(withNull).join())
        .hasMessageContaining("INVALID_ARGUMENT: items[1] is null");
    assertThat(handler.handle(List.of()).join().size()).isZero();
    assertThat(calls).hasValue(0);
    assertThatThrownBy(() -> BatchHandler.perItem(id -> id).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("executor: not set");
    assertThatThrownBy(() -> BatchHandler.perItem(id -> id).maxBatchSize(1001))
        .hasMessage("maxBatchSize: 1001 (expected: 1..1000)");

    BatchHandler<Long, Long> larger = handler.toBuilder().maxBatchSize(20).build();
    assertThat(larger.maxBatchSize()).isEqualTo(20);
    assertThat(handler.maxBatchSize()).as("unchanged").isEqualTo(10);
    assertThat(larger.handle(ids(11)).join().size()).isEqualTo(11);
    assertThat(calls).as("the same item work").hasValue(11);
    assertThat(larger.parallelism()).isEqualTo(BatchHandler.DEFAULT_PARALLELISM);
    assertThat(larger.isAllOrNothing()).isFalse();
  }

  /** A map with transactions: begin copies it, commit swaps the copy in. */
  static final class FakeDb {
    Map<Long, String> committed = new HashMap<>();
    final AtomicInteger rollbacks = new AtomicInteger();

    /** How each transaction ended, "commit" or "rollback", in order. */
    final BlockingQueue<String> ended = new LinkedBlockingQueue<>();

    Transactor<Map<Long, String>> transactor() {
      return new Transactor<>() {
        @Override
        public Map<Long, String> begin() {
          synchronized (FakeDb.this) {
            return new HashMap<>(committed);
          }
        }

        @Override
        public void commit(Map<Long, String> tx) {
          synchronized (FakeDb.this) {
            committed = tx;
          }
          ended.add("commit");
        }

        @Override
        public void rollback(Map<Long, String> tx) {
          rollbacks.incrementAndGet();
          ended.add("rollback");
        }
      };
    }
  }

  @Test
  void allOrNothingRollsBackAndFailsEveryItemWhenOneFails() {
    FakeDb db = new FakeDb();
    db.committed.put(1L, "old1");
    db.committed.put(2L, "old2");
    BatchHandler<Long, String> update =
        BatchHandler.<Map<Long, String>, Long, String>allOrNothing(
                db.transactor(),
                (tx, id) -> {
                  if (!tx.containsKey(id)) {
                    throw Status.NOT_FOUND.withDescription("no user " + id).asRuntimeException();
                  }
                  tx.put(id, "new" + id);
                  return "new" + id;
                })
            .executor(workers(2))
            .build();

    BatchReply<String> failed = update.handle(List.of(1L, 3L, 2L)).join();
    assertThat(failed.failureCount()).isEqualTo(3);
    assertThat(failed.status(1).getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(failed.status(0).getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(failed.status(0).getDescription())
        .isEqualTo(
            "not applied: the batch was rolled back because item 1 failed with NOT_FOUND: no user 3");
    assertThat(failed.status(2).getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(db.committed).containsEntry(1L, "old1").containsEntry(2L, "old2").hasSize(2);
    assertThat(db.rollbacks).hasValue(1);

    BatchReply<String> ok = update.handle(List.of(1L, 2L)).join();
    assertThat(ok.failureCount()).isZero();
    assertThat(db.committed).containsEntry(1L, "new1").containsEntry(2L, "new2");
  }

  /**
   * The client cancels while the last item runs: the batch must be rolled back, not committed (the
   * client sees CANCELLED and must be able to trust that nothing was applied).
   */
  @Test
  void allOrNothingCancelledWhileItsLastItemRunsIsRolledBackNotCommitted() throws Exception {
    FakeDb db = new FakeDb();
    db.committed.put(1L, "old1");
    db.committed.put(2L, "old2");
    CountDownLatch lastItemRunning = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    BatchHandler<Long, String> update =
        BatchHandler.<Map<Long, String>, Long, String>allOrNothing(
                db.transactor(),
                (tx, id) -> {
                  if (id == 2L) {
                    lastItemRunning.countDown();
                    release.await(10, TimeUnit.SECONDS);
                  }
                  tx.put(id, "new" + id);
                  return "new" + id;
                })
            .executor(workers(1))
            .build();
    try {
      CompletableFuture<Results> response =
          update.handle(List.of(1L, 2L), reply -> new Results(List.of()));
      assertThat(lastItemRunning.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(response.cancel(false)).isTrue(); // what the binder does on the client's cancel
    } finally {
      release.countDown();
    }
    assertThat(db.ended.poll(10, TimeUnit.SECONDS)).isEqualTo("rollback");
    assertThat(db.committed).containsEntry(1L, "old1").containsEntry(2L, "old2").hasSize(2);
    assertThat(db.ended).isEmpty();
  }

  @Test
  void allOrNothingReportsACommitFailureOnEveryItem() {
    BatchHandler<Long, Long> handler =
        BatchHandler.<Object, Long, Long>allOrNothing(
                new Transactor<>() {
                  @Override
                  public Object begin() {
                    return new Object();
                  }

                  @Override
                  public void commit(Object tx) {
                    throw Status.UNAVAILABLE.withDescription("db gone").asRuntimeException();
                  }

                  @Override
                  public void rollback(Object tx) {}
                },
                (tx, id) -> id)
            .executor(workers(1))
            .build();
    BatchReply<Long> reply = handler.handle(ids(3)).join();
    assertThat(reply.failureCount()).isEqualTo(3);
    assertThat(reply.status(2).getDescription()).isEqualTo("commit failed: UNAVAILABLE: db gone");
  }

  @Test
  void anItemHandlerThrowingAnErrorFailsThatItemAndTheReplyStillCompletes() throws Exception {
    BatchHandler<Long, Long> handler =
        BatchHandler.<Long, Long>perItem(
                id -> {
                  if (id == 2) {
                    throw new AssertionError("item bug");
                  }
                  if (id == 3) {
                    throw Status.OK.asRuntimeException();
                  }
                  return id;
                })
            .executor(workers(2))
            .parallelism(2)
            .build();
    BatchReply<Long> reply = handler.handle(ids(4)).get(10, TimeUnit.SECONDS);
    assertThat(reply.size()).isEqualTo(4);
    assertThat(reply.output(0)).isEqualTo(1L);
    assertThat(reply.status(1).getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(reply.status(1).getDescription()).contains("AssertionError").contains("item bug");
    // A status exception carrying OK is still a failure, never a success with a null output.
    assertThat(reply.isSuccess(2)).isFalse();
    assertThat(reply.status(2).getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(reply.output(3)).isEqualTo(4L);
    assertThat(reply.failureCount()).isEqualTo(2);
  }

  @Test
  void anAllOrNothingItemThrowingAnErrorRollsBackAndTheReplyStillCompletes() throws Exception {
    FakeDb db = new FakeDb();
    db.committed.put(1L, "old1");
    BatchHandler<Long, String> update =
        BatchHandler.<Map<Long, String>, Long, String>allOrNothing(
                db.transactor(),
                (tx, id) -> {
                  if (id == 2) {
                    throw new AssertionError("item bug");
                  }
                  tx.put(id, "new" + id);
                  return "new" + id;
                })
            .executor(workers(1))
            .build();
    BatchReply<String> reply = update.handle(List.of(1L, 2L)).get(10, TimeUnit.SECONDS);
    assertThat(reply.failureCount()).isEqualTo(2);
    assertThat(reply.status(1).getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(reply.status(1).getDescription()).contains("AssertionError");
    assertThat(reply.status(0).getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(db.rollbacks).hasValue(1);
    assertThat(db.committed).containsEntry(1L, "old1").hasSize(1);
  }

  // --- End to end over grpc: BatchExecutor → BatchGet RPC → BatchHandler. ---

  record Ids(List<Long> ids) {}

  record Results(List<Result> results) {}

  record Result(long value, int code, String description) {}

  static final Marshaller<Ids> IDS =
      marshaller(
          (ids, out) -> {
            out.writeInt(ids.ids().size());
            for (long id : ids.ids()) {
              out.writeLong(id);
            }
          },
          in -> {
            int n = in.readInt();
            List<Long> ids = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
              ids.add(in.readLong());
            }
            return new Ids(ids);
          });

  static final Marshaller<Results> RESULTS =
      marshaller(
          (rs, out) -> {
            out.writeInt(rs.results().size());
            for (Result r : rs.results()) {
              out.writeLong(r.value());
              out.writeInt(r.code());
              out.writeUTF(r.description());
            }
          },
          in -> {
            int n = in.readInt();
            List<Result> rs = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
              rs.add(new Result(in.readLong(), in.readInt(), in.readUTF()));
            }
            return new Results(rs);
          });

  static final ServiceSpec SERVICE = ServiceSpec.named("test.Numbers");
  static final MethodSpec<Ids, Results> BATCH_GET = SERVICE.unary("BatchGet", IDS, RESULTS);

  static Results toResults(BatchReply<Long> reply) {
    List<Result> rs = new ArrayList<>(reply.size());
    for (int i = 0; i < reply.size(); i++) {
      Status s = reply.status(i);
      rs.add(
          new Result(
              s.isOk() ? reply.output(i) : 0,
              s.getCode().value(),
              s.getDescription() == null ? "" : s.getDescription()));
    }
    return new Results(rs);
  }

  static BatchReply<Long> toReply(Results results) {
    BatchReply.Builder<Long> b = BatchReply.newBuilder();
    for (Result r : results.results()) {
      if (r.code() == 0) {
        b.success(r.value());
      } else {
        b.failure(Status.fromCodeValue(r.code()).withDescription(r.description()));
      }
    }
    return b.build();
  }

  @Test
  void endToEndOverGrpcEveryItemGetsItsOwnOutcome() {
    BatchHandler<Long, Long> handler =
        BatchHandler.<Long, Long>perItem(
                id -> {
                  if (id % 7 == 0) {
                    throw Status.NOT_FOUND.withDescription("no " + id).asRuntimeException();
                  }
                  return id * id;
                })
            .executor(workers(4))
            .build();
    TestServer server =
        grpc.nettyServer(
            ServiceBinder.forService(SERVICE)
                .unaryAsync(
                    BATCH_GET, req -> handler.handle(req.ids(), BatchHandlerTest::toResults))
                .build());
    RpcClient client = RpcClient.create(server.newChannel()).withTimeout(Duration.ofSeconds(10));
    try (BatchExecutor<Long, Long> executor =
        BatchExecutor.perBatch(
            ids -> client.unary(BATCH_GET, new Ids(ids)),
            BatchHandlerTest::toReply,
            BatchSettings.newBuilder().batchSize(50).maxInFlight(4).build())) {
      BatchResult<Long, Long> result = executor.execute(ids(1000)).join();
      assertThat(result.succeededCount()).isEqualTo(858);
      assertThat(result.failedCount()).isEqualTo(142);
      assertThat(result.item(6).status().getDescription()).isEqualTo("no 7");
      assertThat(result.item(6).batchIndex()).isZero();
      assertThat(result.item(999).output()).isEqualTo(1_000_000L);
      assertThat(result.item(999).batchIndex()).isEqualTo(19);
    }
  }

  @Test
  void endToEndFailFastCancelsTheRpcsInFlight() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    Map<Long, CompletableFuture<Results>> serverSide = new ConcurrentHashMap<>();
    BatchHandler<Long, Long> handler =
        BatchHandler.<Long, Long>perItem(
                id -> {
                  if (id == 1) {
                    throw Status.PERMISSION_DENIED.withDescription("no").asRuntimeException();
                  }
                  never.await(30, TimeUnit.SECONDS); // until the call is cancelled and we exit
                  return id;
                })
            .executor(workers(8))
            .parallelism(1)
            .build();
    TestServer server =
        grpc.nettyServer(
            ServiceBinder.forService(SERVICE)
                .unaryAsync(
                    BATCH_GET,
                    req -> {
                      CompletableFuture<Results> f =
                          handler.handle(req.ids(), BatchHandlerTest::toResults);
                      serverSide.put(req.ids().get(0), f);
                      return f;
                    })
                .build());
    RpcClient client = RpcClient.create(server.newChannel()).withTimeout(Duration.ofSeconds(30));
    try (BatchExecutor<Long, Long> executor =
        BatchExecutor.perItem(
            id -> client.unary(BATCH_GET, new Ids(List.of(id))),
            (Results r) -> {
              BatchReply<Long> reply = toReply(r);
              if (!reply.isSuccess(0)) {
                throw reply.status(0).asRuntimeException();
              }
              return reply.output(0);
            },
            BatchSettings.newBuilder().maxInFlight(4).failFast(true).build())) {
      BatchResult<Long, Long> result = executor.execute(ids(20)).get(30, TimeUnit.SECONDS);
      assertThat(result.item(0).status().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(result.failedCount() + result.notAttemptedCount()).isEqualTo(20);
      assertThat(result.notAttemptedCount()).isGreaterThanOrEqualTo(16);
      // Every RPC that reached the server, but the one that failed, is cancelled there: the
      // executor cancelled the RPC's own future, the binder cancelled the handler's future, and
      // that cancelled the batch's work.
      assertThat(serverSide).containsKey(1L);
      Await.until(
          Duration.ofSeconds(10),
          () ->
              serverSide.entrySet().stream()
                  .filter(e -> e.getKey() != 1L)
                  .allMatch(e -> e.getValue().isCancelled()),
          () -> "server-side futures cancelled: " + serverSide);
      serverSide.forEach(
          (id, f) -> {
            CompletableFuture<?> work = ((BatchHandler.LinkedFuture<?>) f).source();
            if (id == 1L) {
              assertThat(f).isCompleted();
              assertThat(work).isCompleted();
            } else {
              assertThat(f).isCancelled();
              assertThat(work).as("the batch's work for id %d", id).isCancelled();
            }
          });
    } finally {
      never.countDown();
    }
  }

  @Test
  void cancellingTheConvertedResponseCancelsTheBatchsWork() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger ran = new AtomicInteger();
    ExecutorService worker = workers(1);
    BatchHandler<Long, Long> handler =
        BatchHandler.<Long, Long>perItem(
                id -> {
                  ran.incrementAndGet();
                  started.countDown();
                  release.await(10, TimeUnit.SECONDS);
                  return id;
                })
            .executor(worker)
            .parallelism(1)
            .build();
    try {
      CompletableFuture<Results> response = handler.handle(ids(5), BatchHandlerTest::toResults);
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(response.cancel(false)).isTrue();
      CompletableFuture<?> work = ((BatchHandler.LinkedFuture<?>) response).source();
      assertThat(work).isCancelled();
      release.countDown();
      // Items not yet started do not run once the work is cancelled. The one worker thread runs
      // tasks in order: once a task submitted now has run, the batch's worker has returned (had it
      // gone on, the four items left would have run by then: nothing holds them any more).
      worker.submit(() -> {}).get(10, TimeUnit.SECONDS);
      assertThat(ran).hasValue(1);
    } finally {
      release.countDown();
    }
    assertThat(handler.handle(ids(3), BatchHandlerTest::toResults).get(10, TimeUnit.SECONDS))
        .isEqualTo(
            new Results(List.of(new Result(1, 0, ""), new Result(2, 0, ""), new Result(3, 0, ""))));
    CompletableFuture<Results> failing =
        handler.handle(
            ids(1),
            reply -> {
              throw new IllegalStateException("converter bug");
            });
    assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS))
        .hasMessageContaining("converter bug");
  }

  interface Writer<T> {
    void write(T value, DataOutputStream out) throws IOException;
  }

  interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  static <T> Marshaller<T> marshaller(Writer<T> writer, Reader<T> reader) {
    return new Marshaller<>() {
      @Override
      public InputStream stream(T value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
          writer.write(value, out);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return new ByteArrayInputStream(bytes.toByteArray());
      }

      @Override
      public T parse(InputStream stream) {
        try (DataInputStream in = new DataInputStream(stream)) {
          return reader.read(in);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }
}
