package io.switchboard.benchmarks.gateway;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.benchmarks.RatioReport;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.gateway.Gateway;
import io.switchboard.gateway.Route;
import io.switchboard.msgpack.MessagePackMarshaller;
import io.switchboard.msgpack.schema.SchemaReflection;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.RunResult;

/**
 * Unary throughput through the gateway's one port, by protocol, in one run: native gRPC
 * (grpc-java's client, the baseline), gRPC-Web (binary, bytes passed through) and Connect JSON
 * (transcoded to and from MessagePack by the backend's published schema). All three over one HTTP/2
 * connection (cleartext, prior knowledge), 64 calls in flight, the same user record {@code {id,
 * name, email, age, active}} each way. The web clients are minimal Netty HTTP/2 clients (a stream
 * per call), so what is measured is the gateway's work per protocol, not a client library's.
 *
 * <p>Run (prints gRPC-Web/native and JSON/native at the end; targets 0.8 and 0.6):
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.switchboard.benchmarks.gateway.GatewayEdgeBenchmark \
 *     -f 1 -wi 5 -w 2s -i 5 -r 2s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class GatewayEdgeBenchmark {
  static final int IN_FLIGHT = 64;

  /** The seed domain's user, about 50 bytes of MessagePack. */
  public record User(long id, String name, String email, int age, boolean active) {}

  static final MessagePackMarshaller<User> CODEC = MessagePackMarshaller.of(User.class);
  static final ServiceSpec SERVICE = ServiceSpec.named("bench.Users");
  static final MethodSpec<User, User> ECHO = SERVICE.unary("Echo", CODEC, CODEC);
  static final User USER = new User(42, "Ada Lovelace", "ada@example.com", 36, true);

  private Server backend;
  private Gateway gateway;
  private ManagedChannel grpc;
  private EventLoopGroup clientLoop;
  private Channel connection;
  private ByteBuf grpcWebBody;
  private ByteBuf jsonBody;
  private final AtomicBoolean flushPending = new AtomicBoolean();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    backend =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .directExecutor()
            .addService(ServiceBinder.forService(SERVICE).unary(ECHO, user -> user).build())
            .addService(SchemaReflection.newService())
            .build()
            .start();
    gateway =
        Gateway.builder()
            .route(
                Route.named("users")
                    .service(SERVICE.name())
                    .target("127.0.0.1:" + backend.getPort())
                    .usePlaintext()
                    .build())
            .build()
            .start();
    grpc = NettyChannelBuilder.forAddress(gateway.address()).usePlaintext().build();

    byte[] msgpack;
    try (InputStream in = CODEC.stream(USER)) {
      msgpack = in.readAllBytes();
    }
    grpcWebBody =
        Unpooled.unreleasableBuffer(
            Unpooled.buffer(5 + msgpack.length)
                .writeByte(0)
                .writeInt(msgpack.length)
                .writeBytes(msgpack));
    jsonBody =
        Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer(
                "{\"id\":42,\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\",\"age\":36,\"active\":true}",
                StandardCharsets.UTF_8));

    clientLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    connection =
        new Bootstrap()
            .group(clientLoop)
            .channel(NioSocketChannel.class)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(
                            Http2FrameCodecBuilder.forClient()
                                .initialSettings(
                                    Http2Settings.defaultSettings().initialWindowSize(1 << 20))
                                .build(),
                            new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                  }
                })
            .connect(gateway.address())
            .sync()
            .channel();
    // Check each protocol's answer once, so the benchmark measures working calls.
    check(web("/bench.Users/Echo", "application/grpc-web+msgpack", grpcWebBody).get(), "gRPC-Web");
    check(web("/bench.Users/Echo", "application/json", jsonBody).get(), "JSON");
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    connection.close().sync();
    clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Benchmark
  @OperationsPerInvocation(IN_FLIGHT)
  public void unaryNativeGrpc() throws Exception {
    @SuppressWarnings("unchecked")
    CompletableFuture<User>[] calls = new CompletableFuture[IN_FLIGHT];
    for (int i = 0; i < IN_FLIGHT; i++) {
      CompletableFuture<User> f = new CompletableFuture<>();
      ClientCalls.asyncUnaryCall(
          grpc.newCall(ECHO.descriptor(), CallOptions.DEFAULT),
          USER,
          new StreamObserver<>() {
            @Override
            public void onNext(User value) {
              f.complete(value);
            }

            @Override
            public void onError(Throwable t) {
              f.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
          });
      calls[i] = f;
    }
    CompletableFuture.allOf(calls).get(30, TimeUnit.SECONDS);
  }

  @Benchmark
  @OperationsPerInvocation(IN_FLIGHT)
  public void unaryGrpcWeb() throws Exception {
    inFlight("application/grpc-web+msgpack", grpcWebBody);
  }

  @Benchmark
  @OperationsPerInvocation(IN_FLIGHT)
  public void unaryJson() throws Exception {
    inFlight("application/json", jsonBody);
  }

  /** Runs every benchmark of this class, then prints the ratios to native gRPC. */
  public static void main(String[] args) throws Exception {
    Collection<RunResult> results =
        RatioReport.run(GatewayEdgeBenchmark.class, args, "unaryGrpcWeb", "unaryNativeGrpc");
    RatioReport.print(results, "unaryJson", "unaryNativeGrpc");
  }

  private void inFlight(String contentType, ByteBuf body) throws Exception {
    @SuppressWarnings("unchecked")
    CompletableFuture<Integer>[] calls = new CompletableFuture[IN_FLIGHT];
    for (int i = 0; i < IN_FLIGHT; i++) {
      calls[i] = web("/bench.Users/Echo", contentType, body);
    }
    CompletableFuture.allOf(calls).get(30, TimeUnit.SECONDS);
  }

  /** One call on a new HTTP/2 stream; completes with the response body's size. */
  private CompletableFuture<Integer> web(String path, String contentType, ByteBuf body) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    new Http2StreamChannelBootstrap(connection)
        .handler(new Response(done))
        .open()
        .addListener(
            opened -> {
              if (!opened.isSuccess()) {
                done.completeExceptionally(opened.cause());
                return;
              }
              Channel stream = (Channel) opened.getNow();
              stream.write(
                  new DefaultHttp2HeadersFrame(
                      new DefaultHttp2Headers()
                          .method("POST")
                          .scheme("http")
                          .path(path)
                          .authority("127.0.0.1")
                          .set("content-type", contentType)));
              stream.write(new DefaultHttp2DataFrame(body.duplicate(), true));
              // One flush for the calls opened in this turn of the event loop, as grpc's client
              // batches its writes: the web clients are not made slower by flushing per call.
              if (flushPending.compareAndSet(false, true)) {
                connection.eventLoop().execute(this::flush);
              }
            });
    return done;
  }

  private void flush() {
    flushPending.set(false);
    connection.flush();
  }

  private static void check(int bodyBytes, String protocol) {
    if (bodyBytes <= 0) {
      throw new IllegalStateException(protocol + ": empty response");
    }
  }

  /** Reads one stream's response: fails on a status other than 200, counts body bytes. */
  private static final class Response extends ChannelInboundHandlerAdapter {
    private final CompletableFuture<Integer> done;
    private int bytes;

    Response(CompletableFuture<Integer> done) {
      this.done = done;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        boolean end = false;
        if (msg instanceof Http2HeadersFrame headers) {
          CharSequence status = headers.headers().status();
          if (status != null && !"200".contentEquals(status)) {
            done.completeExceptionally(new IOException("HTTP status " + status));
          }
          end = headers.isEndStream();
        } else if (msg instanceof Http2DataFrame data) {
          bytes += data.content().readableBytes();
          end = data.isEndStream();
        }
        if (end) {
          done.complete(bytes);
          ctx.close();
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      done.completeExceptionally(cause);
      ctx.close();
    }
  }
}
