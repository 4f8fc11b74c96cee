package io.switchboard.benchmarks.gateway;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.switchboard.benchmarks.ByteArrayMarshaller;
import io.switchboard.benchmarks.RatioReport;
import io.switchboard.gateway.Gateway;
import io.switchboard.gateway.Route;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Throughput of unary and server-streaming calls over loopback Netty, three ways, in one run:
 * straight to the backend ({@code *Direct}), through Switchboard's {@link Gateway} ({@code
 * *Gateway}), and through the baseline, a {@code byte[]}-copying proxy written the way grpc-java's
 * {@code examples/.../grpcproxy/GrpcProxy.java} is (a fallback registry with a {@code byte[]}
 * marshaller, {@code request(1)} paired with {@code isReady}, grpc's default executors). A fourth
 * variant, {@code *ByteProxyDirect}, is the same proxy on direct executors: the gateway's ratio to
 * it isolates what passing buffers instead of {@code byte[]} copies is worth, apart from threading.
 *
 * <p>Unary: 64 calls in flight per operation, so scores are calls/s. Streaming: one call of {@value
 * #STREAM_MESSAGES} messages per operation, so scores are messages/s. Messages are {@code
 * messageBytes} of opaque bytes; the backend honours {@code isReady}.
 *
 * <p>Run (prints the ratios gateway/byte[]-proxy and gateway/direct at the end):
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.switchboard.benchmarks.gateway.GatewayBenchmark \
 *     -f 1 -wi 6 -w 2s -i 6 -r 2s   (the 4 KiB stream warms up for ~12 s)
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class GatewayBenchmark {
  static final String SERVICE = "bench.Bytes";
  static final int UNARY_IN_FLIGHT = 64;
  static final int STREAM_MESSAGES = 1000;

  @Param({"64", "4096"})
  public int messageBytes;

  private Server backend;
  private Server byteProxy;
  private ManagedChannel byteProxyToBackend;
  private Server byteProxyDirect;
  private ManagedChannel byteProxyDirectToBackend;
  private ManagedChannel viaByteProxyDirect;
  private Gateway gateway;
  private ManagedChannel direct;
  private ManagedChannel viaGateway;
  private ManagedChannel viaByteProxy;
  private byte[] payload;

  static final MethodDescriptor.Marshaller<byte[]> BYTES = ByteArrayMarshaller.INSTANCE;
  static final MethodDescriptor<byte[], byte[]> ECHO =
      MethodDescriptor.newBuilder(BYTES, BYTES)
          .setFullMethodName(SERVICE + "/Echo")
          .setType(MethodDescriptor.MethodType.UNARY)
          .build();
  static final MethodDescriptor<byte[], byte[]> STREAM =
      MethodDescriptor.newBuilder(BYTES, BYTES)
          .setFullMethodName(SERVICE + "/Stream")
          .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
          .build();

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    payload = new byte[messageBytes];
    backend =
        NettyServerBuilder.forAddress(loopback(0))
            .directExecutor()
            .addService(backendService())
            .build()
            .start();
    String backendTarget = "127.0.0.1:" + backend.getPort();

    gateway =
        Gateway.builder()
            .route(
                Route.named("bench").service(SERVICE).target(backendTarget).usePlaintext().build())
            .build()
            .start();

    byteProxyToBackend = NettyChannelBuilder.forTarget(backendTarget).usePlaintext().build();
    byteProxy =
        NettyServerBuilder.forAddress(loopback(0))
            .fallbackHandlerRegistry(new ByteProxyRegistry(new ByteProxy(byteProxyToBackend)))
            .build()
            .start();

    // The same byte[] proxy on transport threads (direct executors): isolates the copies.
    byteProxyDirectToBackend =
        NettyChannelBuilder.forTarget(backendTarget).usePlaintext().directExecutor().build();
    byteProxyDirect =
        NettyServerBuilder.forAddress(loopback(0))
            .directExecutor()
            .fallbackHandlerRegistry(new ByteProxyRegistry(new ByteProxy(byteProxyDirectToBackend)))
            .build()
            .start();

    direct = client(backend.getPort());
    viaByteProxyDirect = client(byteProxyDirect.getPort());
    viaGateway = client(gateway.port());
    viaByteProxy = client(byteProxy.getPort());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    for (ManagedChannel c :
        new ManagedChannel[] {direct, viaGateway, viaByteProxy, viaByteProxyDirect}) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    gateway.close();
    byteProxy.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    byteProxyToBackend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    byteProxyDirect.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    byteProxyDirectToBackend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Benchmark
  @OperationsPerInvocation(UNARY_IN_FLIGHT)
  public void unaryDirect() throws Exception {
    unary(direct);
  }

  @Benchmark
  @OperationsPerInvocation(UNARY_IN_FLIGHT)
  public void unaryGateway() throws Exception {
    unary(viaGateway);
  }

  @Benchmark
  @OperationsPerInvocation(UNARY_IN_FLIGHT)
  public void unaryByteProxy() throws Exception {
    unary(viaByteProxy);
  }

  @Benchmark
  @OperationsPerInvocation(UNARY_IN_FLIGHT)
  public void unaryByteProxyDirect() throws Exception {
    unary(viaByteProxyDirect);
  }

  @Benchmark
  @OperationsPerInvocation(STREAM_MESSAGES)
  public long streamByteProxyDirect() throws Exception {
    return stream(viaByteProxyDirect);
  }

  @Benchmark
  @OperationsPerInvocation(STREAM_MESSAGES)
  public long streamDirect() throws Exception {
    return stream(direct);
  }

  @Benchmark
  @OperationsPerInvocation(STREAM_MESSAGES)
  public long streamGateway() throws Exception {
    return stream(viaGateway);
  }

  @Benchmark
  @OperationsPerInvocation(STREAM_MESSAGES)
  public long streamByteProxy() throws Exception {
    return stream(viaByteProxy);
  }

  /** Runs every benchmark of this class, then prints the ratios. */
  public static void main(String[] args) throws Exception {
    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder()
                    .parent(new CommandLineOptions(args))
                    .include(GatewayBenchmark.class.getName() + "\\.")
                    .build())
            .run();
    RatioReport.print(results, "unaryGateway", "unaryByteProxy");
    RatioReport.print(results, "streamGateway", "streamByteProxy");
    RatioReport.print(results, "unaryGateway", "unaryByteProxyDirect");
    RatioReport.print(results, "streamGateway", "streamByteProxyDirect");
    RatioReport.print(results, "unaryGateway", "unaryDirect");
    RatioReport.print(results, "streamGateway", "streamDirect");
  }

  private void unary(Channel channel) throws Exception {
    @SuppressWarnings("unchecked")
    CompletableFuture<byte[]>[] calls = new CompletableFuture[UNARY_IN_FLIGHT];
    for (int i = 0; i < calls.length; i++) {
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      ClientCalls.asyncUnaryCall(channel.newCall(ECHO, CallOptions.DEFAULT), payload, observer(f));
      calls[i] = f;
    }
    CompletableFuture.allOf(calls).get(30, TimeUnit.SECONDS);
  }

  private long stream(Channel channel) throws Exception {
    CompletableFuture<byte[]> done = new CompletableFuture<>();
    long[] count = {0};
    ClientCalls.asyncServerStreamingCall(
        channel.newCall(STREAM, CallOptions.DEFAULT),
        payload,
        new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {
            count[0]++;
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(null);
          }
        });
    done.get(30, TimeUnit.SECONDS);
    if (count[0] != STREAM_MESSAGES) {
      throw new IllegalStateException("got " + count[0] + " messages");
    }
    return count[0];
  }

  private static StreamObserver<byte[]> observer(CompletableFuture<byte[]> f) {
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) {
        f.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        f.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  private static ManagedChannel client(int port) {
    return NettyChannelBuilder.forAddress(loopback(port)).usePlaintext().directExecutor().build();
  }

  private static InetSocketAddress loopback(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /**
   * The backend: echoes unary calls; streams {@link #STREAM_MESSAGES} copies, honouring isReady.
   */
  private static ServerServiceDefinition backendService() {
    ServiceDescriptor descriptor =
        ServiceDescriptor.newBuilder(SERVICE).addMethod(ECHO).addMethod(STREAM).build();
    return ServerServiceDefinition.builder(descriptor)
        .addMethod(
            ECHO,
            ServerCalls.asyncUnaryCall(
                (request, responses) -> {
                  responses.onNext(request);
                  responses.onCompleted();
                }))
        .addMethod(
            STREAM,
            ServerCalls.asyncServerStreamingCall(
                (request, responses) -> {
                  ServerCallStreamObserver<byte[]> out =
                      (ServerCallStreamObserver<byte[]>) responses;
                  int[] sent = {0};
                  out.setOnReadyHandler(
                      () -> {
                        while (out.isReady() && sent[0] < STREAM_MESSAGES) {
                          out.onNext(request);
                          sent[0]++;
                        }
                        if (sent[0] == STREAM_MESSAGES) {
                          sent[0]++;
                          out.onCompleted();
                        }
                      });
                }))
        .build();
  }

  // ---- The baseline: a byte[] proxy as grpc-java's GrpcProxy example writes one. ----------------

  /** Routes every method to the proxy handler, with byte[] messages. */
  static final class ByteProxyRegistry extends HandlerRegistry {
    private final ServerCallHandler<byte[], byte[]> handler;

    ByteProxyRegistry(ServerCallHandler<byte[], byte[]> handler) {
      this.handler = handler;
    }

    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
      return ServerMethodDefinition.create(
          MethodDescriptor.newBuilder(BYTES, BYTES)
              .setFullMethodName(methodName)
              .setType(MethodDescriptor.MethodType.UNKNOWN)
              .build(),
          handler);
    }
  }

  /** Joins each incoming call to a call on one backend channel. */
  static final class ByteProxy implements ServerCallHandler<byte[], byte[]> {
    private final Channel backend;

    ByteProxy(Channel backend) {
      this.backend = backend;
    }

    @Override
    public ServerCall.Listener<byte[]> startCall(
        ServerCall<byte[], byte[]> serverCall, Metadata h) {
      ClientCall<byte[], byte[]> clientCall =
          backend.newCall(serverCall.getMethodDescriptor(), CallOptions.DEFAULT);
      Pair pair = new Pair(serverCall, clientCall);
      clientCall.start(pair.responses, h);
      serverCall.request(1);
      clientCall.request(1);
      return pair.requests;
    }

    /** The two listeners; a lock per direction guards its "request when ready" flag. */
    private static final class Pair {
      final ServerCall<byte[], byte[]> serverCall;
      final ClientCall<byte[], byte[]> clientCall;
      final Requests requests = new Requests();
      final Responses responses = new Responses();

      Pair(ServerCall<byte[], byte[]> serverCall, ClientCall<byte[], byte[]> clientCall) {
        this.serverCall = serverCall;
        this.clientCall = clientCall;
      }

      final class Requests extends ServerCall.Listener<byte[]> {
        private boolean needToRequest;

        @Override
        public void onMessage(byte[] message) {
          clientCall.sendMessage(message);
          synchronized (this) {
            if (clientCall.isReady()) {
              serverCall.request(1);
            } else {
              needToRequest = true;
            }
          }
        }

        @Override
        public void onHalfClose() {
          clientCall.halfClose();
        }

        @Override
        public void onCancel() {
          clientCall.cancel("client cancelled", null);
        }

        @Override
        public void onReady() {
          responses.backendMayRequest();
        }

        synchronized void clientMayRequest() {
          if (needToRequest) {
            needToRequest = false;
            serverCall.request(1);
          }
        }
      }

      final class Responses extends ClientCall.Listener<byte[]> {
        private boolean needToRequest;

        @Override
        public void onHeaders(Metadata headers) {
          serverCall.sendHeaders(headers);
        }

        @Override
        public void onMessage(byte[] message) {
          serverCall.sendMessage(message);
          synchronized (this) {
            if (serverCall.isReady()) {
              clientCall.request(1);
            } else {
              needToRequest = true;
            }
          }
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          serverCall.close(status, trailers);
        }

        @Override
        public void onReady() {
          requests.clientMayRequest();
        }

        synchronized void backendMayRequest() {
          if (needToRequest) {
            needToRequest = false;
            clientCall.request(1);
          }
        }
      }
    }
  }
}
