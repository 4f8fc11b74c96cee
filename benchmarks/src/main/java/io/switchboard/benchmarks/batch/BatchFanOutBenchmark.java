package io.switchboard.benchmarks.batch;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.switchboard.batch.BatchExecutor;
import io.switchboard.batch.BatchReply;
import io.switchboard.batch.BatchResult;
import io.switchboard.batch.BatchSettings;
import io.switchboard.benchmarks.RatioReport;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.msgpack.MessagePackMarshaller;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;

/**
 * Fetching 10,000 users by id from a server whose every lookup waits 2 ms (on a timer, like an
 * asynchronous database query: no CPU), over a real Netty connection on loopback, four ways in one
 * run:
 *
 * <ul>
 *   <li>{@code sequential}: a blocking loop of {@code GetUser} calls (the baseline);
 *   <li>{@code perItemFanOut}: {@link BatchExecutor#perItem} with 64 calls in flight;
 *   <li>{@code batches}: {@link BatchExecutor#perBatch}, batches of 100 ids to {@code
 *       BatchGetUsers}, 8 in flight (the items of one batch wait their 2 ms concurrently);
 *   <li>{@code semaphoreFanOut}: a hand-written fan-out, 64 in flight under a {@link Semaphore}
 *       (the executor's overhead baseline).
 * </ul>
 *
 * <p>Run it (prints the JMH table, then the ratios and targets):
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.switchboard.benchmarks.batch.BatchFanOutBenchmark
 * </pre>
 *
 * Any JMH option may follow (e.g. {@code -wi 2 -i 5}); the defaults below keep the run to about two
 * minutes, most of it the 20-second sequential baseline.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx512m"})
@Warmup(iterations = 5)
@Measurement(iterations = 10)
public class BatchFanOutBenchmark {
  static final int IDS = 10_000;
  static final long SERVER_WAIT_MICROS = 2_000;

  record Id(long id) {}

  record User(long id, String name) {}

  record Ids(List<Long> ids) {}

  /** One id's outcome: code 0 with the user, or a status code. */
  record UserResult(int code, Optional<User> user) {}

  /** One entry per id, in request order. */
  record Users(List<UserResult> results) {}

  static final ServiceSpec SERVICE = ServiceSpec.named("bench.UserService");
  static final MethodSpec<Id, User> GET_USER =
      SERVICE.unary(
          "GetUser", MessagePackMarshaller.of(Id.class), MessagePackMarshaller.of(User.class));
  static final MethodSpec<Ids, Users> BATCH_GET_USERS =
      SERVICE.unary(
          "BatchGetUsers",
          MessagePackMarshaller.of(Ids.class),
          MessagePackMarshaller.of(Users.class));

  private ScheduledExecutorService database;
  private Server server;
  private ManagedChannel channel;
  private RpcClient client;
  private BatchExecutor<Long, User> perItem;
  private BatchExecutor<Long, User> perBatch;
  private List<Long> ids;

  @Setup(Level.Trial)
  public void start() throws IOException {
    database = Executors.newScheduledThreadPool(2);
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .directExecutor()
            .addService(
                ServiceBinder.forService(SERVICE)
                    .unaryAsync(GET_USER, r -> lookUp(() -> user(r.id())))
                    .unaryAsync(
                        BATCH_GET_USERS,
                        r ->
                            lookUp(
                                () -> {
                                  List<UserResult> results = new ArrayList<>(r.ids().size());
                                  for (long id : r.ids()) {
                                    results.add(new UserResult(0, Optional.of(user(id))));
                                  }
                                  return new Users(results);
                                }))
                    .build())
            .build()
            .start();
    channel =
        NettyChannelBuilder.forAddress((InetSocketAddress) server.getListenSockets().get(0))
            .usePlaintext()
            .build();
    client = RpcClient.create(channel).withTimeout(Duration.ofSeconds(30));
    perItem =
        BatchExecutor.perItem(
            id -> client.unary(GET_USER, new Id(id)),
            BatchSettings.newBuilder().maxInFlight(64).build());
    perBatch =
        BatchExecutor.perBatch(
            batch -> client.unary(BATCH_GET_USERS, new Ids(batch)),
            BatchFanOutBenchmark::reply,
            BatchSettings.newBuilder().batchSize(100).maxInFlight(8).build());
    ids = new ArrayList<>(IDS);
    for (long id = 1; id <= IDS; id++) {
      ids.add(id);
    }
  }

  @TearDown(Level.Trial)
  public void stop() throws InterruptedException {
    perItem.close();
    perBatch.close();
    channel.shutdownNow();
    server.shutdownNow();
    database.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Completes with the value 2 ms from now, on the database's timer: I/O-like, not CPU. */
  private <T> CompletableFuture<T> lookUp(java.util.function.Supplier<T> value) {
    CompletableFuture<T> f = new CompletableFuture<>();
    database.schedule(() -> f.complete(value.get()), SERVER_WAIT_MICROS, TimeUnit.MICROSECONDS);
    return f;
  }

  private static User user(long id) {
    return new User(id, "user" + id);
  }

  static BatchReply<User> reply(Users users) {
    BatchReply.Builder<User> b = BatchReply.builder();
    for (UserResult r : users.results()) {
      if (r.code() == 0 && r.user().isPresent()) {
        b.success(r.user().get());
      } else {
        b.failure(
            r.code() == 0
                ? Status.INTERNAL.withDescription("OK result without a user")
                : Status.fromCodeValue(r.code()));
      }
    }
    return b.build();
  }

  @Benchmark
  @Warmup(iterations = 1)
  @Measurement(iterations = 2)
  public List<User> sequential() {
    List<User> users = new ArrayList<>(IDS);
    for (long id : ids) {
      users.add(client.blockingUnary(GET_USER, new Id(id)));
    }
    return users;
  }

  @Benchmark
  public BatchResult<Long, User> perItemFanOut() {
    return check(perItem.execute(ids).join());
  }

  @Benchmark
  public BatchResult<Long, User> batches() {
    return check(perBatch.execute(ids).join());
  }

  @Benchmark
  public Object[] semaphoreFanOut() throws InterruptedException {
    Semaphore permits = new Semaphore(64);
    CountDownLatch done = new CountDownLatch(IDS);
    AtomicReferenceArray<Object> results = new AtomicReferenceArray<>(IDS);
    for (int i = 0; i < IDS; i++) {
      permits.acquire();
      int index = i;
      client
          .unary(GET_USER, new Id(ids.get(i)))
          .whenComplete(
              (user, error) -> {
                results.set(index, error != null ? Status.fromThrowable(error) : user);
                permits.release();
                done.countDown();
              });
    }
    done.await();
    Object[] out = new Object[IDS];
    for (int i = 0; i < IDS; i++) {
      out[i] = results.get(i);
    }
    return out;
  }

  private static BatchResult<Long, User> check(BatchResult<Long, User> result) {
    if (!result.allSucceeded()) {
      throw new IllegalStateException("benchmark run had failures: " + result);
    }
    return result;
  }

  /** Runs the benchmarks, prints the ratios, then measures memory held by an iterator run. */
  public static void main(String[] args) throws Exception {
    // Runs every benchmark of this class and prints ratio perItemFanOut / semaphoreFanOut (the
    // executor's overhead vs the hand-written fan-out; target <= 1.10).
    Collection<RunResult> results =
        RatioReport.run(BatchFanOutBenchmark.class, args, "perItemFanOut", "semaphoreFanOut");
    Map<String, Double> ms = new HashMap<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      ms.put(label.substring(label.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
    }
    double sequential = ms.getOrDefault("sequential", Double.NaN);
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "10,000 ids, 2 ms server wait per lookup, Netty loopback%n%-32s %10s %14s%n",
        "approach",
        "ms/op",
        "× sequential");
    for (String name : List.of("sequential", "perItemFanOut", "batches", "semaphoreFanOut")) {
      Double score = ms.get(name);
      if (score != null) {
        System.out.printf(Locale.ROOT, "%-32s %10.1f %13.1f×%n", name, score, sequential / score);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "ratio perItemFanOut speed-up = %.1f× (target >= 25×)%n",
        sequential / ms.getOrDefault("perItemFanOut", Double.NaN));
    System.out.printf(
        Locale.ROOT,
        "ratio batches speed-up = %.1f× (target >= 60×)%n",
        sequential / ms.getOrDefault("batches", Double.NaN));
    System.out.println();
    BatchMemoryCheck.main(new String[0]);
  }
}
