package io.switchboard.testing;

import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/** A raw-grpc echo service for the testing module's own tests (which cannot use core). */
final class EchoService {
  static final Marshaller<String> UTF8 = TestMarshallers.utf8();

  static final MethodDescriptor<String, String> ECHO =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Echo/Echo")
          .setRequestMarshaller(UTF8)
          .setResponseMarshaller(UTF8)
          .build();

  /** Never answers; the test learns the call arrived and whether it was cancelled. */
  static final MethodDescriptor<String, String> HANG =
      ECHO.toBuilder().setFullMethodName("test.Echo/Hang").build();

  /** Completed with true when a hanging call is cancelled on the server. */
  final LinkedBlockingQueue<CompletableFuture<Boolean>> hanging = new LinkedBlockingQueue<>();

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder("test.Echo")
        .addMethod(
            ECHO,
            ServerCalls.asyncUnaryCall(
                (request, responses) -> {
                  responses.onNext(request);
                  responses.onCompleted();
                }))
        .addMethod(
            HANG,
            ServerCalls.asyncUnaryCall(
                (request, responses) -> {
                  CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
                  ((io.grpc.stub.ServerCallStreamObserver<String>) responses)
                      .setOnCancelHandler(() -> cancelled.complete(true));
                  hanging.add(cancelled);
                }))
        .build();
  }
}
