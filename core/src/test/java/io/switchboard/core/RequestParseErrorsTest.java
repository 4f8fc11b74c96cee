package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestMarshallers;
import io.switchboard.testing.TestServer;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A request the server's marshaller rejects gets the marshaller's status, not UNKNOWN. */
class RequestParseErrorsTest {
  /**
   * Server side: rejects "!..." with a status and "?..." with a plain exception; throws an Error
   * for "#assert", "#oom" and "#deep".
   */
  static final Marshaller<String> STRICT =
      new Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return TestMarshallers.utf8().stream(value);
        }

        @Override
        public String parse(InputStream stream) {
          String s = TestMarshallers.utf8().parse(stream);
          if (s.startsWith("!")) {
            throw Status.INVALID_ARGUMENT
                .withDescription("field name: expected a string, got " + s)
                .asRuntimeException();
          }
          if (s.startsWith("?")) {
            throw new IllegalStateException("cannot read " + s);
          }
          switch (s) {
            case "#assert" -> throw new AssertionError("codec invariant broken");
            case "#oom" -> throw new OutOfMemoryError("Java heap space");
            case "#deep" -> throw new StackOverflowError();
            default -> {
              return s;
            }
          }
        }
      };

  static final ServiceSpec SERVER_SIDE = ServiceSpec.named("test.Parse");
  static final MethodSpec<String, String> ECHO = SERVER_SIDE.unary("Echo", STRICT, STRICT);
  static final MethodSpec<String, String> CHAT = SERVER_SIDE.bidiStreaming("Chat", STRICT, STRICT);

  /** Client side: the same methods with a marshaller that sends anything. */
  static final ServiceSpec CLIENT_SIDE = ServiceSpec.named("test.Parse");

  static final MethodSpec<String, String> RAW_ECHO =
      CLIENT_SIDE.unary("Echo", TestMarshallers.utf8(), TestMarshallers.utf8());
  static final MethodSpec<String, String> RAW_CHAT =
      CLIENT_SIDE.bidiStreaming("Chat", TestMarshallers.utf8(), TestMarshallers.utf8());

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private final AtomicInteger handled = new AtomicInteger();

  private RpcClient client(ServerServiceDefinition definition) {
    TestServer server = grpc.nettyServer(definition);
    return RpcClient.create(server.newChannel()).withTimeout(Duration.ofSeconds(30));
  }

  private ServerServiceDefinition binderService() {
    return ServiceBinder.forService(SERVER_SIDE)
        .unary(
            ECHO,
            s -> {
              handled.incrementAndGet();
              return s;
            })
        .bidiStreaming(
            CHAT,
            (StreamObserver<String> responses) ->
                new StreamObserver<String>() {
                  @Override
                  public void onNext(String value) {
                    handled.incrementAndGet();
                    responses.onNext(value);
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

  private static Status failure(CompletableFuture<String> call) throws Exception {
    try {
      throw new AssertionError("expected a failure, got " + call.get(30, TimeUnit.SECONDS));
    } catch (ExecutionException e) {
      return ((StatusRuntimeException) e.getCause()).getStatus();
    }
  }

  @Test
  void unaryGetsTheMarshallersStatusAndTheHandlerNeverRuns() throws Exception {
    RpcClient client = client(binderService());

    Status status = failure(client.unary(RAW_ECHO, "!42"));
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).isEqualTo("field name: expected a string, got !42");

    Status plain = failure(client.unary(RAW_ECHO, "?x"));
    assertThat(plain.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(plain.getDescription())
        .isEqualTo("malformed request for test.Parse/Echo: IllegalStateException: cannot read ?x");

    assertThat(handled).hasValue(0);
    assertThat(client.unary(RAW_ECHO, "fine").get(30, TimeUnit.SECONDS)).isEqualTo("fine");
    assertThat(handled).hasValue(1);
  }

  @Test
  void anErrorWhileParsingGetsAPreciseStatusNeverUnknown() throws Exception {
    RpcClient client = client(binderService());

    Status assertion = failure(client.unary(RAW_ECHO, "#assert"));
    assertThat(assertion.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(assertion.getDescription())
        .isEqualTo(
            "the server failed to parse the request for test.Parse/Echo:"
                + " AssertionError: codec invariant broken");

    Status memory = failure(client.unary(RAW_ECHO, "#oom"));
    assertThat(memory.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(memory.getDescription())
        .isEqualTo(
            "the server ran out of memory parsing the request for test.Parse/Echo:"
                + " OutOfMemoryError: Java heap space");

    Status stack = failure(client.unary(RAW_ECHO, "#deep"));
    assertThat(stack.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(stack.getDescription())
        .isEqualTo("the request for test.Parse/Echo is nested too deeply for the server's stack");

    // In a stream too; and the server goes on serving.
    RecordingObserver<String> bad = new RecordingObserver<>();
    client.bidiStreaming(RAW_CHAT, bad).onNext("#assert");
    assertThat(Status.fromThrowable(bad.awaitError()).getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(handled).hasValue(0);
    assertThat(client.unary(RAW_ECHO, "fine").get(30, TimeUnit.SECONDS)).isEqualTo("fine");
  }

  @Test
  void aBadMessageEndsOnlyItsOwnStream() throws Exception {
    RpcClient client = client(binderService());
    RecordingObserver<String> good = new RecordingObserver<>();
    StreamObserver<String> goodRequests = client.bidiStreaming(RAW_CHAT, good);
    goodRequests.onNext("a");

    RecordingObserver<String> bad = new RecordingObserver<>();
    StreamObserver<String> badRequests = client.bidiStreaming(RAW_CHAT, bad);
    badRequests.onNext("ok");
    badRequests.onNext("!bad");
    Status status = Status.fromThrowable(bad.awaitError());
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("got !bad");
    assertThat(bad.values).containsExactly("ok");

    goodRequests.onNext("b");
    goodRequests.onCompleted();
    assertThat(good.awaitValues()).containsExactly("a", "b");
  }

  @Test
  void wrapsAnyDefinitionAndIsIdempotent() throws Exception {
    ServerServiceDefinition plainGrpc =
        ServerServiceDefinition.builder("test.Parse")
            .addMethod(
                ECHO.descriptor(),
                ServerCalls.asyncUnaryCall(
                    (String request, StreamObserver<String> responses) -> {
                      responses.onNext(request);
                      responses.onCompleted();
                    }))
            .build();
    ServerServiceDefinition twice =
        RequestParseErrors.preserve(RequestParseErrors.preserve(plainGrpc));
    RpcClient client = client(twice);

    Status status = failure(client.unary(RAW_ECHO, "!1"));
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).endsWith("got !1");
    assertThat(client.unary(RAW_ECHO, "fine").get(30, TimeUnit.SECONDS)).isEqualTo("fine");
  }

  @Test
  void withoutTheWrapperGrpcSaysUnknown() throws Exception {
    // The behaviour this class exists for: documents it, and fails if grpc-java ever fixes it.
    ServerServiceDefinition plainGrpc =
        ServerServiceDefinition.builder("test.Parse")
            .addMethod(
                ECHO.descriptor(),
                ServerCalls.asyncUnaryCall(
                    (String request, StreamObserver<String> responses) -> {
                      responses.onNext(request);
                      responses.onCompleted();
                    }))
            .build();
    Status status = failure(client(plainGrpc).unary(RAW_ECHO, "!1"));
    assertThat(status.getCode()).isEqualTo(Status.Code.UNKNOWN);
  }
}
