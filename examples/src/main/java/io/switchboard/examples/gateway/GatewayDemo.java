package io.switchboard.examples.gateway;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.examples.Console;
import io.switchboard.examples.DemoContext;
import io.switchboard.examples.logs.LogLevel;
import io.switchboard.examples.logs.LogLine;
import io.switchboard.examples.logs.LogMessage;
import io.switchboard.examples.logs.LogRequest;
import io.switchboard.examples.logs.LogStreamApi;
import io.switchboard.examples.logs.LogStreamService;
import io.switchboard.examples.users.GetUserRequest;
import io.switchboard.examples.users.User;
import io.switchboard.examples.users.UserApi;
import io.switchboard.examples.users.UserService;
import io.switchboard.gateway.Authenticator;
import io.switchboard.gateway.Gateway;
import io.switchboard.gateway.Route;
import io.switchboard.gateway.RouteMetrics;
import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.stream.EventLog;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gateway: two backends (the user service and a log service) behind one gateway on loopback. Calls
 * go through it by service name, bytes unparsed, over each of its protocols on the one port (native
 * gRPC, gRPC-Web, Connect JSON); then the gateway's own answers and its metrics.
 */
public final class GatewayDemo {
  private static final String TOKEN = "demo-token";
  private static final int LOG_LINES = 500;

  private GatewayDemo() {}

  /** Runs the section; everything it starts is stopped before it returns. */
  public static void run(DemoContext ctx) {
    Console out = ctx.out();
    out.section("Gateway: routes by service name to pooled backends, bytes passed through");
    EventLog<LogLine> log = EventLog.inMemory(10_000);
    for (int i = 1; i <= LOG_LINES; i++) {
      log.append(new LogLine("billing", i % 10 == 0 ? LogLevel.WARN : LogLevel.INFO, "line " + i));
    }
    Server logs;
    Server users;
    // The user service once more, publishing its schemas (SchemaReflection): the gateway's JSON
    // needs the field names of its array-shaped MessagePack messages.
    UserService userService = new UserService(ctx.users());
    try {
      logs =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .addService(new LogStreamService(log).definition())
              .build()
              .start();
      users =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .addService(userService.definition())
              .addService(SchemaReflection.newService())
              .build()
              .start();
    } catch (IOException e) {
      userService.close();
      throw new UncheckedIOException(e);
    }
    String logsTarget = "127.0.0.1:" + logs.getPort();
    String usersTarget = "127.0.0.1:" + users.getPort();
    // Everything started from here on is stopped in the finally block, also if a step throws.
    Gateway gateway = null;
    ManagedChannel channel = null;
    try {
      gateway =
          Gateway.builder()
              .route(
                  Route.named("users")
                      .service(UserApi.SERVICE.name())
                      .target(usersTarget)
                      .usePlaintext()
                      .maxTimeout(Duration.ofSeconds(10))
                      .build())
              .route(
                  Route.named("logs")
                      .service(LogStreamApi.SERVICE.name())
                      .target(logsTarget)
                      .usePlaintext()
                      .build())
              .authenticator(Authenticator.bearerToken(TOKEN))
              .build();
      gateway.start();
      channel = NettyChannelBuilder.forAddress(gateway.address()).usePlaintext().build();
      out.say(
          "gateway on 127.0.0.1:%d → users %s, logs %s (bearer token required)",
          gateway.port(), usersTarget, logsTarget);
      Metadata token = new Metadata();
      token.put(Authenticator.AUTHORIZATION, "Bearer " + TOKEN);
      RpcClient client =
          RpcClient.create(channel)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(token))
              .withTimeout(Duration.ofSeconds(5));

      User user = client.unary(UserApi.GET_USER, new GetUserRequest(42)).join();
      out.ok("gRPC via gateway: GetUser(42) → %s <%s>", user.name(), user.email());
      callOverTheWeb(out, gateway.port());
      showFailure(
          out,
          "backend status unchanged: GetUser(999999)",
          () -> client.unary(UserApi.GET_USER, new GetUserRequest(999_999)).join());

      int lines = tailLogs(client);
      out.ok("bidi stream via gateway: StreamLogs from seq 1 → %,d lines, then cancelled", lines);

      MethodSpec<GetUserRequest, User> unknown =
          MethodSpec.of(
              UserApi.GET_USER.descriptor().toBuilder()
                  .setFullMethodName("demo.BillingService/Charge")
                  .build());
      showFailure(
          out, "unknown service", () -> client.unary(unknown, new GetUserRequest(1)).join());
      RpcClient noToken = RpcClient.create(channel).withTimeout(Duration.ofSeconds(5));
      showFailure(
          out, "no token", () -> noToken.unary(UserApi.GET_USER, new GetUserRequest(42)).join());

      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
      for (String route : new String[] {"users", "logs"}) {
        out.field(
            "health[" + route + "]",
            health
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(route).build())
                .getStatus());
      }
      out.say(
          "%-8s %6s %9s %-32s %10s %10s",
          "route", "calls", "in flight", "failures", "bytes in", "bytes out");
      for (RouteMetrics m : gateway.metrics().values()) {
        out.say(
            "%-8s %6d %9d %-32s %10d %10d",
            m.route(),
            m.calls(),
            m.inFlight(),
            m.failures().isEmpty() ? "-" : m.failures().toString(),
            m.requestBytes(),
            m.responseBytes());
      }
      out.field("unrouted calls", gateway.unroutedCalls());
    } finally {
      if (channel != null) {
        channel.shutdownNow();
      }
      if (gateway != null) {
        gateway.close();
      }
      logs.shutdownNow();
      users.shutdownNow();
      try {
        if (channel != null) {
          channel.awaitTermination(5, TimeUnit.SECONDS);
        }
        logs.awaitTermination(5, TimeUnit.SECONDS);
        users.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        userService.close();
      }
    }
  }

  /**
   * Calls GetUser(42) through the gateway's same port as a browser or curl would, over HTTP/1.1
   * with the JDK's HTTP client: once with gRPC-Web (the MessagePack bytes framed, the status in a
   * trailer frame of the body) and once with JSON (the Connect protocol, transcoded by the gateway
   * from the schema the user service publishes).
   */
  private static void callOverTheWeb(Console out, int port) {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    String url =
        "http://127.0.0.1:" + port + "/" + UserApi.GET_USER.descriptor().getFullMethodName();
    byte[] request;
    try (InputStream in =
        UserApi.GET_USER.descriptor().getRequestMarshaller().stream(new GetUserRequest(42))) {
      request = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ByteBuffer framed =
        ByteBuffer.allocate(5 + request.length).put((byte) 0).putInt(request.length);
    framed.put(request);
    ByteBuffer web =
        ByteBuffer.wrap(send(http, url, "application/grpc-web+msgpack", framed.array()).body());
    User user = null;
    String trailers = "";
    while (web.remaining() >= 5) {
      int flags = web.get() & 0xff;
      byte[] payload = new byte[web.getInt()];
      web.get(payload);
      if ((flags & 0x80) != 0) {
        trailers = new String(payload, StandardCharsets.US_ASCII).strip().replace("\r\n", ", ");
      } else {
        user =
            UserApi.GET_USER
                .descriptor()
                .getResponseMarshaller()
                .parse(new ByteArrayInputStream(payload));
      }
    }
    out.ok(
        "gRPC-Web via gateway (HTTP/1.1): GetUser(42) → %s; trailers in the body: %s",
        user == null ? "no message" : user.name(), trailers);
    HttpResponse<byte[]> json =
        send(http, url, "application/json", "{\"id\": 42}".getBytes(StandardCharsets.UTF_8));
    out.ok(
        "JSON via gateway (Connect, HTTP/1.1): POST %s {\"id\": 42} → %d %s",
        url.substring(url.indexOf('/', 8)),
        json.statusCode(),
        new String(json.body(), StandardCharsets.UTF_8));
  }

  private static HttpResponse<byte[]> send(
      HttpClient http, String url, String contentType, byte[] body) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(5))
            .header("content-type", contentType)
            .header("authorization", "Bearer " + TOKEN)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted calling " + url, e);
    }
  }

  /** Subscribes to every log line from the start through the gateway; returns the lines read. */
  private static int tailLogs(RpcClient client) {
    AtomicInteger lines = new AtomicInteger();
    CompletableFuture<Void> allLines = new CompletableFuture<>();
    StreamObserver<LogRequest> requests =
        client.bidiStreaming(
            LogStreamApi.STREAM_LOGS,
            new StreamObserver<>() {
              @Override
              public void onNext(LogMessage message) {
                if (message.kind() == LogMessage.Kind.LINE
                    && lines.incrementAndGet() == LOG_LINES) {
                  allLines.complete(null);
                }
              }

              @Override
              public void onError(Throwable t) {
                allLines.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                allLines.complete(null);
              }
            });
    requests.onNext(new LogRequest(1, LogLevel.DEBUG, ""));
    allLines.orTimeout(10, TimeUnit.SECONDS).join();
    requests.onError(Status.CANCELLED.withDescription("demo has read enough").asException());
    return lines.get();
  }

  private static void showFailure(Console out, String what, Runnable call) {
    try {
      call.run();
      out.expected("%s: unexpectedly succeeded", what);
    } catch (CompletionException e) {
      Status status = Status.fromThrowable(e.getCause());
      out.expected("%s → %s: %s", what, status.getCode(), status.getDescription());
    } catch (StatusRuntimeException e) {
      out.expected("%s → %s: %s", what, e.getStatus().getCode(), e.getStatus().getDescription());
    }
  }
}
