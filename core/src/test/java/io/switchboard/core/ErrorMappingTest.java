package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.internal.Descriptions;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestMarshallers;
import io.switchboard.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Handler exceptions become precise statuses on the wire, never stack traces. */
class ErrorMappingTest {
  static final Marshaller<String> M = TestMarshallers.utf8();
  static final ServiceSpec SPEC = ServiceSpec.named("test.Errors");
  static final MethodSpec<String, String> SYNC = SPEC.unary("Sync", M, M);
  static final MethodSpec<String, String> ASYNC = SPEC.unary("Async", M, M);
  static final MethodSpec<String, String> STREAM = SPEC.serverStreaming("Stream", M, M);
  static final MethodSpec<String, String> BIDI = SPEC.bidiStreaming("Bidi", M, M);
  static final Metadata.Key<String> DETAIL =
      Metadata.Key.of("x-detail", Metadata.ASCII_STRING_MARSHALLER);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  /** Each handler fails the way its request names. */
  static Exception failure(String kind) {
    return switch (kind) {
      case "iae" -> new IllegalArgumentException("age: -3 (expected: >= 0)");
      case "sre" -> {
        Metadata trailers = new Metadata();
        trailers.put(DETAIL, "kept");
        yield Status.NOT_FOUND.withDescription("no user 7").asRuntimeException(trailers);
      }
      case "npe" -> new NullPointerException();
      case "long" -> new IllegalStateException("x".repeat(10_000));
      default -> new IllegalStateException("database is down");
    };
  }

  private RpcClient client(ErrorMapper mapper) {
    ServiceBinder binder =
        ServiceBinder.forService(SPEC)
            .unary(
                SYNC,
                kind -> {
                  if (kind.equals("null")) {
                    return null;
                  }
                  throw failure(kind);
                })
            .unaryAsync(ASYNC, kind -> CompletableFuture.failedFuture(failure(kind)))
            .serverStreaming(
                STREAM,
                (kind, responses) -> {
                  responses.onNext("first");
                  if (kind.startsWith("throw-")) {
                    throw failure(kind.substring(6));
                  }
                  responses.onError(failure(kind));
                })
            .bidiStreaming(
                BIDI,
                (StreamObserver<String> responses) ->
                    new StreamObserver<String>() {
                      @Override
                      public void onNext(String kind) {
                        throw new IllegalArgumentException("bad message: " + kind);
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        responses.onCompleted();
                      }
                    });
    if (mapper != null) {
      binder.errorMapper(mapper);
    }
    TestServer server = grpc.nettyServer(binder.build());
    return RpcClient.create(server.newChannel()).withTimeout(Duration.ofSeconds(30));
  }

  private static StatusRuntimeException unaryFailure(
      RpcClient client, MethodSpec<String, String> m, String kind)
      throws InterruptedException, TimeoutException {
    try {
      String value = client.unary(m, kind).get(30, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return (StatusRuntimeException) e.getCause();
    }
  }

  @Test
  void illegalArgumentBecomesInvalidArgumentWithItsMessage() throws Exception {
    RpcClient client = client(null);
    for (MethodSpec<String, String> m : new MethodSpec[] {SYNC, ASYNC}) {
      Status status = unaryFailure(client, m, "iae").getStatus();
      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).isEqualTo("age: -3 (expected: >= 0)");
    }
  }

  @Test
  void statusExceptionsPassAsTheyAreWithTrailers() throws Exception {
    RpcClient client = client(null);
    for (MethodSpec<String, String> m : new MethodSpec[] {SYNC, ASYNC}) {
      StatusRuntimeException e = unaryFailure(client, m, "sre");
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(e.getStatus().getDescription()).isEqualTo("no user 7");
      assertThat(e.getTrailers().get(DETAIL)).isEqualTo("kept");
    }
  }

  @Test
  void otherExceptionsBecomeInternalWithClassAndMessageButNoStackTrace() throws Exception {
    RpcClient client = client(null);
    for (MethodSpec<String, String> m : new MethodSpec[] {SYNC, ASYNC}) {
      Status status = unaryFailure(client, m, "ise").getStatus();
      assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
      assertThat(status.getDescription()).isEqualTo("IllegalStateException: database is down");
      assertThat(status.getDescription()).doesNotContain("\tat ", ".java:");
      assertThat(status.getCause()).isNull();
    }
    assertThat(unaryFailure(client, SYNC, "npe").getStatus().getDescription())
        .isEqualTo("NullPointerException");
    String longDescription = unaryFailure(client, SYNC, "long").getStatus().getDescription();
    assertThat(longDescription).hasSize(ErrorMapper.MAX_DESCRIPTION_LENGTH).endsWith("...");
  }

  @Test
  void nullResponseIsAnInternalErrorNamingTheMethod() throws Exception {
    Status status = unaryFailure(client(null), SYNC, "null").getStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getDescription()).contains("test.Errors/Sync").contains("null response");
  }

  @Test
  void streamingFailuresAreMappedWhetherThrownOrPassedToOnError() throws Exception {
    RpcClient client = client(null);
    for (String kind : new String[] {"iae", "throw-iae"}) {
      RecordingObserver<String> responses = new RecordingObserver<>();
      client.serverStreaming(STREAM, kind, responses);
      Status status = Status.fromThrowable(responses.awaitError());
      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).isEqualTo("age: -3 (expected: >= 0)");
      assertThat(responses.values).containsExactly("first");
    }
  }

  @Test
  void requestObserverFailureEndsTheCallWithTheMappedStatus() throws Exception {
    RecordingObserver<String> responses = new RecordingObserver<>();
    StreamObserver<String> requests = client(null).bidiStreaming(BIDI, responses);
    requests.onNext("one");
    requests.onNext("two");
    Status status = Status.fromThrowable(responses.awaitError());
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).isEqualTo("bad message: one");
    requests.onCompleted();
  }

  @Test
  void customMapperRunsAndABrokenMapperFallsBackToTheStandardMapping() throws Exception {
    ErrorMapper domain =
        t ->
            Descriptions.unwrap(t) instanceof IllegalStateException
                ? Status.UNAVAILABLE.withDescription("try again: " + t.getMessage())
                : ErrorMapper.standard().toStatus(t);
    Status mapped = unaryFailure(client(domain), ASYNC, "ise").getStatus();
    assertThat(mapped.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(mapped.getDescription()).isEqualTo("try again: database is down");

    ErrorMapper broken =
        t -> {
          throw new RuntimeException("mapper bug");
        };
    Status fallback = unaryFailure(client(broken), SYNC, "iae").getStatus();
    assertThat(fallback.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void eachFailureIsLoggedOnceOnTheServer() throws Exception {
    RpcClient client = client(null);
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      unaryFailure(client, ASYNC, "ise");
      unaryFailure(client, SYNC, "ise");
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log.split("test.Errors/Async failed", -1)).hasSize(2);
    assertThat(log.split("test.Errors/Sync failed", -1)).hasSize(2);
    assertThat(log).contains("IllegalStateException: database is down");
  }
}
