package io.switchboard.benchmarks.core;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.switchboard.benchmarks.ByteArrayMarshaller;
import io.switchboard.benchmarks.RatioReport;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Core's client call path ({@link RpcClient#unary}, a {@link
 * java.util.concurrent.CompletableFuture} that cancels the call) against grpc's own {@link
 * ClientCalls#futureUnaryCall} (a Guava ListenableFuture), over the same server and channel,
 * 32-byte echo, 4 caller threads.
 *
 * <p>Run it (ratio printed at the end):
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.switchboard.benchmarks.core.UnaryCallBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(4)
public class UnaryCallBenchmark {
  static final Marshaller<byte[]> BYTES = ByteArrayMarshaller.INSTANCE;

  static final ServiceSpec SERVICE = ServiceSpec.named("bench.Echo");
  static final MethodSpec<byte[], byte[]> ECHO = SERVICE.unary("Echo", BYTES, BYTES);

  @Param({"inprocess", "netty"})
  public String transport;

  private final byte[] payload = new byte[32];
  private Server server;
  private ManagedChannel channel;
  private RpcClient client;

  @Setup(Level.Trial)
  public void start() throws IOException {
    var service = ServiceBinder.forService(SERVICE).unary(ECHO, request -> request).build();
    if (transport.equals("inprocess")) {
      String name = InProcessServerBuilder.generateName();
      server = InProcessServerBuilder.forName(name).addService(service).build().start();
      channel = InProcessChannelBuilder.forName(name).build();
    } else {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .addService(service)
              .build()
              .start();
      channel =
          NettyChannelBuilder.forAddress((InetSocketAddress) server.getListenSockets().get(0))
              .usePlaintext()
              .build();
    }
    client = RpcClient.create(channel);
  }

  @TearDown(Level.Trial)
  public void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Ours: core's RpcClient. */
  @Benchmark
  public byte[] switchboardUnary() throws Exception {
    return client.unary(ECHO, payload).get();
  }

  /** Baseline: grpc-stub's ClientCalls.futureUnaryCall on the same descriptor and channel. */
  @Benchmark
  public byte[] grpcFutureUnaryCall() throws Exception {
    return ClientCalls.futureUnaryCall(
            channel.newCall(ECHO.descriptor(), CallOptions.DEFAULT), payload)
        .get();
  }

  /**
   * Runs both and prints switchboardUnary / grpcFutureUnaryCall per transport. Takes JMH's
   * command-line options.
   */
  public static void main(String[] args) throws Exception {
    RatioReport.run(UnaryCallBenchmark.class, args, "switchboardUnary", "grpcFutureUnaryCall");
  }
}
