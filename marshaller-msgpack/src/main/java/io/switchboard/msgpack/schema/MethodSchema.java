package io.switchboard.msgpack.schema;

import io.grpc.MethodDescriptor.MethodType;
import io.switchboard.msgpack.MessagePackShape;
import io.switchboard.msgpack.WireShape;
import java.util.Objects;

/**
 * One method as the {@linkplain SchemaReflection reflection service} publishes it. Travels as a
 * MessagePack map {@code {"name", "fullName", "kind", "request", "response"}}, the kind as its name
 * ({@code "UNARY"}, {@code "SERVER_STREAMING"}, {@code "CLIENT_STREAMING"}, {@code
 * "BIDI_STREAMING"}).
 *
 * @param name the method's own name, e.g. {@code GetUser}
 * @param fullName the gRPC full method name, e.g. {@code demo.UserService/GetUser}
 * @param kind the call kind
 * @param request the schema of its request messages; null when they are not written by a {@code
 *     MessagePackMarshaller} (e.g. protobuf)
 * @param response the schema of its response messages; null likewise
 */
@MessagePackShape(WireShape.MAP)
public record MethodSchema(
    String name, String fullName, MethodType kind, Schema request, Schema response) {
  /**
   * @throws NullPointerException if a name or the kind is null
   */
  public MethodSchema {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(fullName, "fullName");
    Objects.requireNonNull(kind, "kind");
  }

  /** Whether the client sends a stream of requests (client-streaming and bidi). */
  public boolean clientStreams() {
    return !kind.clientSendsOneMessage();
  }

  /** Whether the server sends a stream of responses (server-streaming and bidi). */
  public boolean serverStreams() {
    return !kind.serverSendsOneMessage();
  }
}
