package io.switchboard.pool;

import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.switchboard.testing.TestMarshallers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test service with one unary method, {@code test.Echo/Echo}: "hold" and "hold:tag" requests wait
 * until {@link #releaseHeld}, "sleep:N" requests answer after N ms, others answer at once. Nothing
 * blocks a server thread.
 */
final class TestBackend implements AutoCloseable {
  static final MethodDescriptor.Marshaller<String> STRING = TestMarshallers.utf8();

  static final MethodDescriptor<String, String> ECHO =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Echo/Echo")
          .setRequestMarshaller(STRING)
          .setResponseMarshaller(STRING)
          .build();

  private final String name;
  private final AtomicLong served = new AtomicLong();
  private final Map<String, List<StreamObserver<String>>> held = new HashMap<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "test-backend-timer");
            t.setDaemon(true);
            return t;
          });

  TestBackend(String name) {
    this.name = name;
  }

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder("test.Echo")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall(this::echo))
        .build();
  }

  private void echo(String request, StreamObserver<String> response) {
    if (request.startsWith("hold")) {
      synchronized (held) {
        held.computeIfAbsent(request, k -> new ArrayList<>()).add(response);
      }
    } else if (request.startsWith("sleep:")) {
      long millis = Long.parseLong(request.substring("sleep:".length()));
      timer.schedule(() -> answer(request, response), millis, TimeUnit.MILLISECONDS);
    } else if (request.equals("fail")) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("asked to fail").asException());
    } else {
      answer(request, response);
    }
  }

  private void answer(String request, StreamObserver<String> response) {
    served.incrementAndGet();
    try {
      response.onNext(name + ":" + request);
      response.onCompleted();
    } catch (RuntimeException e) {
      // The call was cancelled meanwhile.
    }
  }

  /** Answers every held call. */
  void releaseHeld() {
    List<String> tags;
    synchronized (held) {
      tags = new ArrayList<>(held.keySet());
    }
    tags.forEach(this::releaseHeld);
  }

  /** Answers the calls held with exactly this request ("hold" or "hold:tag"). */
  void releaseHeld(String request) {
    List<StreamObserver<String>> now;
    synchronized (held) {
      now = held.remove(request);
    }
    if (now != null) {
      for (StreamObserver<String> response : now) {
        answer(request, response);
      }
    }
  }

  int heldCount() {
    synchronized (held) {
      return held.values().stream().mapToInt(List::size).sum();
    }
  }

  long served() {
    return served.get();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
