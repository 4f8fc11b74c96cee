package io.switchboard.gateway;

import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.switchboard.testing.TestMarshallers;
import java.nio.charset.StandardCharsets;

/**
 * A backend of opaque bytes, service {@code test.Raw}: {@code Echo} answers the request's bytes,
 * {@code Repeat} streams them back three times. For clients whose messages (protobuf from a
 * Connect-ES or browser client) the gateway passes through unparsed over gRPC-Web. A request whose
 * bytes contain {@code status:CODE:description} fails with that status.
 */
final class RawBackend {
  static final MethodDescriptor.Marshaller<byte[]> BYTES = TestMarshallers.bytes();

  static final MethodDescriptor<byte[], byte[]> ECHO =
      method("Echo", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<byte[], byte[]> REPEAT =
      method("Repeat", MethodDescriptor.MethodType.SERVER_STREAMING);

  private RawBackend() {}

  static ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder("test.Raw")
        .addMethod(
            ECHO,
            ServerCalls.asyncUnaryCall(
                (request, out) -> {
                  Status asked = askedFor(request);
                  if (asked != null) {
                    out.onError(asked.asRuntimeException());
                    return;
                  }
                  out.onNext(request);
                  out.onCompleted();
                }))
        .addMethod(
            REPEAT,
            ServerCalls.asyncServerStreamingCall(
                (request, out) -> {
                  for (int i = 0; i < 3; i++) {
                    out.onNext(request);
                  }
                  out.onCompleted();
                }))
        .build();
  }

  /** Returns the status a request asks for ({@code status:CODE:description}), or null. */
  private static Status askedFor(byte[] request) {
    String text = new String(request, StandardCharsets.ISO_8859_1);
    int at = text.indexOf("status:");
    if (at < 0) {
      return null;
    }
    String[] parts = text.substring(at).split(":", 3);
    return Status.fromCode(Status.Code.valueOf(parts[1])).withDescription(parts[2]);
  }

  private static MethodDescriptor<byte[], byte[]> method(
      String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.newBuilder(BYTES, BYTES)
        .setFullMethodName("test.Raw/" + name)
        .setType(type)
        .build();
  }
}
