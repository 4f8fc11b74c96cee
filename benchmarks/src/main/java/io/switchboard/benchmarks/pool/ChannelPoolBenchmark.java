package io.switchboard.benchmarks.pool;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.switchboard.benchmarks.ByteArrayMarshaller;
import io.switchboard.benchmarks.RatioReport;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.pool.ChannelPool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;

/**
 * {@link ChannelPool} against its baselines over real Netty on loopback, 32-byte unary echo; each
 * operation is a batch of calls kept at a fixed number in flight, so scores are batches per second
 * and the ratio ours/baseline is a ratio of call throughput.
 *
 * <ul>
 *   <li>{@code echo-1}, {@code echo-64}: the pool against one bare {@link ManagedChannel}, 1 and 64
 *       calls in flight: the cost of picking and counting (target: ratio &ge; 0.97).
 *   <li>{@code mcs100}: a server with MAX_CONCURRENT_STREAMS=100 and 20 ms handlers, 1000 calls in
 *       flight: the auto-sized pool (told the stream limit) against one channel, on which grpc
 *       queues calls past 100 (target: &ge; 3.5).
 *   <li>{@code new-channel}: the pool against a new channel per call (built, used once, shut down),
 *       64 in flight, as a service that opens a channel per request would (target: &ge; 20).
 * </ul>
 *
 * <p>Run it (about 2 minutes; the ratios are printed at the end):
 *
 * <pre>
 * mvn -B -q -ntp -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.switchboard.benchmarks.pool.ChannelPoolBenchmark
 * </pre>
 *
 * JMH options may follow, e.g. {@code -i 5}. Each scenario runs as its own JMH run, baseline then
 * ours back to back, so that load from elsewhere on the machine drifts less between the two.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ChannelPoolBenchmark {
  static final MethodDescriptor.Marshaller<byte[]> BYTES = ByteArrayMarshaller.INSTANCE;

  static final ServiceSpec SERVICE = ServiceSpec.named("bench.Echo");
  static final MethodSpec<byte[], byte[]> ECHO = SERVICE.unary("Echo", BYTES, BYTES);

  /** The server's MAX_CONCURRENT_STREAMS in the mcs100 scenario. */
  static final int STREAM_LIMIT = 100;

  /** The handler time in the mcs100 scenario. */
  static final long HANDLER_MILLIS = 20;

  @Param({"echo-1", "echo-64", "mcs100", "new-channel"})
  public String scenario;

  private final byte[] payload = new byte[32];
  private Server server;
  private ScheduledExecutorService handlerTimer;
  private String target;
  private int inFlight;
  private int callsPerBatch;
  private ChannelPool pool;
  private ManagedChannel single;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    boolean limited = scenario.equals("mcs100");
    handlerTimer = Executors.newSingleThreadScheduledExecutor();
    ServerServiceDefinition service =
        limited
            ? ServiceBinder.forService(SERVICE)
                .unaryAsync(
                    ECHO,
                    request -> {
                      CompletableFuture<byte[]> answer = new CompletableFuture<>();
                      handlerTimer.schedule(
                          () -> answer.complete(request), HANDLER_MILLIS, TimeUnit.MILLISECONDS);
                      return answer;
                    })
                .build()
            : ServiceBinder.forService(SERVICE).unary(ECHO, request -> request).build();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(service);
    if (limited) {
      builder.maxConcurrentCallsPerConnection(STREAM_LIMIT);
    }
    server = builder.build().start();
    target = "127.0.0.1:" + ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    switch (scenario) {
      case "echo-1" -> {
        inFlight = 1;
        callsPerBatch = 32;
      }
      case "echo-64" -> {
        inFlight = 64;
        callsPerBatch = 1024;
      }
      case "new-channel" -> {
        inFlight = 64;
        callsPerBatch = 256;
      }
      case "mcs100" -> {
        inFlight = 1000;
        callsPerBatch = 4000;
      }
      default -> throw new IllegalArgumentException("scenario: " + scenario);
    }
    ChannelPool.Builder pools = ChannelPool.newBuilder(target).usePlaintext();
    if (limited) {
      pools.maxConcurrentStreams(STREAM_LIMIT);
    }
    pool = pools.build();
    single = NettyChannelBuilder.forTarget(target).usePlaintext().build();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    if (pool != null) {
      System.out.println();
      System.out.print(pool.stats().toTable());
      pool.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (single != null) {
      single.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    handlerTimer.shutdownNow();
  }

  /** The pool. */
  @Benchmark
  public int ours() throws InterruptedException {
    RpcClient client = RpcClient.create(pool);
    return runBatch(() -> client.unary(ECHO, payload));
  }

  /** One bare channel, or a new channel per call in the new-channel scenario. */
  @Benchmark
  public int baseline() throws InterruptedException {
    if (scenario.equals("new-channel")) {
      return runBatch(this::callOnNewChannel);
    }
    RpcClient client = RpcClient.create(single);
    return runBatch(() -> client.unary(ECHO, payload));
  }

  private CompletableFuture<byte[]> callOnNewChannel() {
    ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    CompletableFuture<byte[]> call = RpcClient.create(channel).unary(ECHO, payload);
    return call.whenComplete((r, e) -> channel.shutdownNow());
  }

  /** Makes {@link #callsPerBatch} calls, {@link #inFlight} at a time; fails on a failed call. */
  private int runBatch(Supplier<CompletableFuture<byte[]>> call) throws InterruptedException {
    Semaphore window = new Semaphore(inFlight);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < callsPerBatch; i++) {
      window.acquire();
      call.get()
          .whenComplete(
              (response, error) -> {
                if (error != null) {
                  failure.compareAndSet(null, error);
                }
                window.release();
              });
    }
    window.acquire(inFlight);
    if (failure.get() != null) {
      throw new IllegalStateException("a call failed", failure.get());
    }
    return callsPerBatch;
  }

  /**
   * Runs all scenarios and prints "ratio ours / baseline" per scenario.
   *
   * @param args JMH command-line options
   */
  public static void main(String[] args) throws Exception {
    List<RunResult> all = new ArrayList<>();
    for (String scenario : new String[] {"echo-1", "echo-64", "mcs100", "new-channel"}) {
      String[] withScenario = Arrays.copyOf(args, args.length + 2);
      withScenario[args.length] = "-p";
      withScenario[args.length + 1] = "scenario=" + scenario;
      all.addAll(RatioReport.run(ChannelPoolBenchmark.class, withScenario, "ours", "baseline"));
    }
    System.out.println();
    System.out.println("all scenarios:");
    RatioReport.print(all, "ours", "baseline");
  }
}
