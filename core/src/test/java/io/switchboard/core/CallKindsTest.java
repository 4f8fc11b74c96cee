package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestMarshallers;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** All four call kinds, end to end over a real Netty server on loopback. */
class CallKindsTest {
  static final Marshaller<String> M = TestMarshallers.utf8();
  static final ServiceSpec ECHO = ServiceSpec.named("test.Echo");
  static final MethodSpec<String, String> UPPER = ECHO.unary("Upper", M, M);
  static final MethodSpec<String, String> UPPER_ASYNC = ECHO.unary("UpperAsync", M, M);
  static final MethodSpec<String, String> SPLIT = ECHO.serverStreaming("Split", M, M);
  static final MethodSpec<String, String> JOIN = ECHO.clientStreaming("Join", M, M);
  static final MethodSpec<String, String> PING_PONG = ECHO.bidiStreaming("PingPong", M, M);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private RpcClient client;

  static ServerServiceDefinition service() {
    return ServiceBinder.forService(ECHO)
        .unary(UPPER, String::toUpperCase)
        .unaryAsync(UPPER_ASYNC, s -> CompletableFuture.supplyAsync(s::toUpperCase))
        .serverStreaming(
            SPLIT,
            (s, responses) -> {
              for (String part : s.split(",")) {
                responses.onNext(part);
              }
              responses.onCompleted();
            })
        .clientStreaming(
            JOIN,
            (StreamObserver<String> responses) ->
                new StreamObserver<String>() {
                  private final List<String> parts = new ArrayList<>();

                  @Override
                  public void onNext(String value) {
                    parts.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {
                    responses.onNext(String.join("+", parts));
                    responses.onCompleted();
                  }
                })
        .bidiStreaming(
            PING_PONG,
            (StreamObserver<String> responses) ->
                new StreamObserver<String>() {
                  @Override
                  public void onNext(String value) {
                    responses.onNext("pong:" + value);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {
                    responses.onCompleted();
                  }
                })
        .build();
  }

  @BeforeEach
  void setUp() {
    TestServer server = grpc.nettyServer(service());
    client = RpcClient.create(server.newChannel()).withTimeout(Duration.ofSeconds(30));
  }

  @Test
  void unarySync() throws Exception {
    assertThat(client.unary(UPPER, "hello").get(30, TimeUnit.SECONDS)).isEqualTo("HELLO");
    assertThat(client.blockingUnary(UPPER, "blocking")).isEqualTo("BLOCKING");
  }

  @Test
  void unaryAsync() throws Exception {
    assertThat(client.unary(UPPER_ASYNC, "async").get(30, TimeUnit.SECONDS)).isEqualTo("ASYNC");
  }

  @Test
  void serverStreaming() throws Exception {
    RecordingObserver<String> responses = new RecordingObserver<>();
    client.serverStreaming(SPLIT, "a,b,c", responses);
    assertThat(responses.awaitValues()).containsExactly("a", "b", "c");
  }

  @Test
  void clientStreaming() throws Exception {
    RecordingObserver<String> responses = new RecordingObserver<>();
    StreamObserver<String> requests = client.clientStreaming(JOIN, responses);
    requests.onNext("x");
    requests.onNext("y");
    requests.onNext("z");
    requests.onCompleted();
    assertThat(responses.awaitValues()).containsExactly("x+y+z");
  }

  @Test
  void bidiStreaming() throws Exception {
    RecordingObserver<String> responses = new RecordingObserver<>();
    StreamObserver<String> requests = client.bidiStreaming(PING_PONG, responses);
    for (int i = 0; i < 100; i++) {
      requests.onNext("p" + i);
    }
    requests.onCompleted();
    List<String> values = responses.awaitValues();
    assertThat(values).hasSize(100).startsWith("pong:p0").endsWith("pong:p99");
  }

  @Test
  void handlerObserversAreServerCallStreamObservers() throws Exception {
    ServiceSpec spec = ServiceSpec.named("test.Flow");
    MethodSpec<String, String> method = spec.serverStreaming("Ready", M, M);
    TestServer server =
        grpc.nettyServer(
            ServiceBinder.forService(spec)
                .serverStreaming(
                    method,
                    (request, responses) -> {
                      ServerCallStreamObserver<String> call =
                          (ServerCallStreamObserver<String>) responses;
                      responses.onNext(
                          "ready=" + call.isReady() + ",cancelled=" + call.isCancelled());
                      responses.onCompleted();
                    })
                .build());
    RecordingObserver<String> responses = new RecordingObserver<>();
    RpcClient.create(server.newChannel()).serverStreaming(method, "go", responses);
    assertThat(responses.awaitValues()).containsExactly("ready=true,cancelled=false");
  }

  @Test
  void unimplementedMethodOfTheSameService() {
    MethodSpec<String, String> missing = ECHO.unary("Missing", M, M);
    assertThatThrownBy(() -> client.unary(missing, "x").get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }

  @Test
  void clientRejectsMisuseBeforeAnyCall() {
    assertThatThrownBy(() -> client.unary(SPLIT, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("test.Echo/Split")
        .hasMessageContaining("expected: UNARY");
    assertThatThrownBy(() -> client.serverStreaming(UPPER, "x", new RecordingObserver<>()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> client.unary(UPPER, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("request");
    assertThatThrownBy(() -> client.withTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeout: PT0S (expected: > 0)");
  }
}
