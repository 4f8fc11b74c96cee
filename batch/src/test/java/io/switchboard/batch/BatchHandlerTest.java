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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
  }

  /** A map with transactions: begin copies it, commit swaps the copy in. */
  static final class FakeDb {
    Map<Long, String> committed = new HashMap<>();
    final AtomicInteger rollbacks = new AtomicInteger();

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
        }

        @Override
        public void rollback(Map<Long, String> tx) {
          rollbacks.incrementAndGet();
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
    BatchReply.Builder<Long> b = BatchReply.builder();
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
                    BATCH_GET,
                    req -> handler.handle(req.ids()).thenApply(BatchHandlerTest::toResults))
                .build());
    RpcClient client = RpcClient.create(server.newChannel()).withTimeout(Duration.ofSeconds(10));
    try (BatchExecutor<Long, Long> executor =
        BatchExecutor.perBatch(
            ids -> client.unary(BATCH_GET, new Ids(ids)).thenApply(BatchHandlerTest::toReply),
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
    List<CompletableFuture<BatchReply<Long>>> serverSide = new CopyOnWriteArrayList<>();
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
                      CompletableFuture<BatchReply<Long>> f = handler.handle(req.ids());
                      serverSide.add(f);
                      return f.thenApply(BatchHandlerTest::toResults);
                    })
                .build());
    RpcClient client = RpcClient.create(server.newChannel()).withTimeout(Duration.ofSeconds(30));
    try (BatchExecutor<Long, Long> executor =
        BatchExecutor.perItem(
            id ->
                client
                    .unary(BATCH_GET, new Ids(List.of(id)))
                    .thenApply(r -> toReply(r))
                    .thenCompose(
                        r ->
                            r.isSuccess(0)
                                ? CompletableFuture.completedFuture(r.output(0))
                                : CompletableFuture.failedFuture(r.status(0).asRuntimeException())),
            BatchSettings.newBuilder().maxInFlight(4).failFast(true).build())) {
      BatchResult<Long, Long> result = executor.execute(ids(20)).get(30, TimeUnit.SECONDS);
      assertThat(result.item(0).status().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(result.failedCount() + result.notAttemptedCount()).isEqualTo(20);
      assertThat(result.notAttemptedCount()).isGreaterThanOrEqualTo(16);
    } finally {
      never.countDown();
    }
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
