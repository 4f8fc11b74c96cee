package io.switchboard.core;

import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.MethodDescriptor.MethodType;
import java.util.Objects;

/**
 * The name of a gRPC service declared in code, and the factory of its methods.
 *
 * <p>A service is declared once, usually as constants shared by server and client:
 *
 * <pre>{@code
 * static final ServiceSpec USERS = ServiceSpec.named("demo.UserService");
 * static final MethodSpec<GetUser, User> GET_USER = USERS.unary("GetUser", getUserM, userM);
 * static final MethodSpec<LogQuery, LogLine> TAIL = USERS.serverStreaming("Tail", queryM, lineM);
 * }</pre>
 *
 * <p>The full method name is {@code <service>/<method>}, exactly as a {@code .proto} file with
 * {@code package demo; service UserService { rpc GetUser ... }} would give, so a code-first service
 * and a generated one are interchangeable on the wire. Instances are immutable and thread-safe.
 */
public final class ServiceSpec {
  private final String name;

  private ServiceSpec(String name) {
    this.name = name;
  }

  /**
   * Returns the spec of the service with the given full name.
   *
   * @param fullServiceName the service's full name with its package, e.g. {@code demo.UserService}
   * @throws NullPointerException if the name is null
   * @throws IllegalArgumentException if the name is empty, contains {@code '/'} or whitespace
   */
  public static ServiceSpec named(String fullServiceName) {
    Objects.requireNonNull(fullServiceName, "fullServiceName");
    checkName("fullServiceName", fullServiceName);
    return new ServiceSpec(fullServiceName);
  }

  /** Returns the full service name, e.g. {@code demo.UserService}. */
  public String name() {
    return name;
  }

  /**
   * Declares a unary method: one request, one response.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method name is empty or contains {@code '/'}
   */
  public <ReqT, RespT> MethodSpec<ReqT, RespT> unary(
      String methodName, Marshaller<ReqT> request, Marshaller<RespT> response) {
    return method(MethodType.UNARY, methodName, request, response);
  }

  /**
   * Declares a server-streaming method: one request, a stream of responses.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method name is empty or contains {@code '/'}
   */
  public <ReqT, RespT> MethodSpec<ReqT, RespT> serverStreaming(
      String methodName, Marshaller<ReqT> request, Marshaller<RespT> response) {
    return method(MethodType.SERVER_STREAMING, methodName, request, response);
  }

  /**
   * Declares a client-streaming method: a stream of requests, one response.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method name is empty or contains {@code '/'}
   */
  public <ReqT, RespT> MethodSpec<ReqT, RespT> clientStreaming(
      String methodName, Marshaller<ReqT> request, Marshaller<RespT> response) {
    return method(MethodType.CLIENT_STREAMING, methodName, request, response);
  }

  /**
   * Declares a bidirectional-streaming method: a stream each way.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method name is empty or contains {@code '/'}
   */
  public <ReqT, RespT> MethodSpec<ReqT, RespT> bidiStreaming(
      String methodName, Marshaller<ReqT> request, Marshaller<RespT> response) {
    return method(MethodType.BIDI_STREAMING, methodName, request, response);
  }

  /**
   * Declares a method of the given kind.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method name is empty or contains {@code '/'}, or the
   *     type is {@link MethodType#UNKNOWN}
   */
  public <ReqT, RespT> MethodSpec<ReqT, RespT> method(
      MethodType type, String methodName, Marshaller<ReqT> request, Marshaller<RespT> response) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(methodName, "methodName");
    Objects.requireNonNull(request, "request marshaller");
    Objects.requireNonNull(response, "response marshaller");
    checkName("methodName", methodName);
    if (type == MethodType.UNKNOWN) {
      throw new IllegalArgumentException("type: UNKNOWN (expected: one of the four call kinds)");
    }
    MethodDescriptor<ReqT, RespT> descriptor =
        MethodDescriptor.<ReqT, RespT>newBuilder()
            .setType(type)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(name, methodName))
            .setRequestMarshaller(request)
            .setResponseMarshaller(response)
            // As protoc-generated descriptors are: grpc-java's per-call metrics (gRFC A66) then
            // name the method; they record methods without this flag as "other".
            .setSampledToLocalTracing(true)
            .build();
    return MethodSpec.of(descriptor);
  }

  private static void checkName(String what, String value) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException(what + ": empty (expected: a non-empty name)");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '/' || Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException(
            what + ": \"" + value + "\" (expected: no '/', whitespace or control characters)");
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServiceSpec other && other.name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return "ServiceSpec{" + name + "}";
  }
}
