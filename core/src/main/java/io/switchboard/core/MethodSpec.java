package io.switchboard.core;

import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import java.util.Objects;

/**
 * A typed gRPC method: a thin, immutable handle on a {@link MethodDescriptor} that the server
 * binder and the client both accept.
 *
 * <p>Made by {@link ServiceSpec} for code-first services, or by {@link #of(MethodDescriptor)} from
 * any existing descriptor (for example a protoc-generated {@code
 * UserServiceGrpc.getGetUserMethod()}), so generated and code-first methods mix freely.
 *
 * @param <ReqT> the request message type
 * @param <RespT> the response message type
 */
public final class MethodSpec<ReqT, RespT> {
  private final MethodDescriptor<ReqT, RespT> descriptor;
  private final String serviceName;
  private final String methodName;

  private MethodSpec(MethodDescriptor<ReqT, RespT> descriptor, String serviceName) {
    this.descriptor = descriptor;
    this.serviceName = serviceName;
    this.methodName = descriptor.getBareMethodName();
  }

  /**
   * Wraps an existing method descriptor.
   *
   * @throws NullPointerException if the descriptor is null
   * @throws IllegalArgumentException if its full name has no service part, or its type is {@link
   *     MethodType#UNKNOWN}
   */
  public static <ReqT, RespT> MethodSpec<ReqT, RespT> of(MethodDescriptor<ReqT, RespT> descriptor) {
    Objects.requireNonNull(descriptor, "descriptor");
    String service = descriptor.getServiceName();
    if (service == null || service.isEmpty()) {
      throw new IllegalArgumentException(
          "descriptor: \""
              + descriptor.getFullMethodName()
              + "\" (expected: a full method name of the form service/method)");
    }
    if (descriptor.getType() == MethodType.UNKNOWN) {
      throw new IllegalArgumentException(
          "descriptor "
              + descriptor.getFullMethodName()
              + ": type UNKNOWN (expected: a call kind)");
    }
    return new MethodSpec<>(descriptor, service);
  }

  /** Returns the grpc-java descriptor, for use with any grpc API. */
  public MethodDescriptor<ReqT, RespT> descriptor() {
    return descriptor;
  }

  /** Returns the call kind. */
  public MethodType type() {
    return descriptor.getType();
  }

  /** Returns the full service name, e.g. {@code demo.UserService}. */
  public String serviceName() {
    return serviceName;
  }

  /** Returns the method's own name, e.g. {@code GetUser}. */
  public String methodName() {
    return methodName;
  }

  /** Returns the full method name, e.g. {@code demo.UserService/GetUser}. */
  public String fullMethodName() {
    return descriptor.getFullMethodName();
  }

  /**
   * Returns a copy marked idempotent (safe to retry, may be retried by a service config's retry
   * policy and by hedging) or not.
   */
  public MethodSpec<ReqT, RespT> withIdempotent(boolean idempotent) {
    return new MethodSpec<>(descriptor.toBuilder().setIdempotent(idempotent).build(), serviceName);
  }

  @Override
  public String toString() {
    return "MethodSpec{" + descriptor.getFullMethodName() + ", " + descriptor.getType() + "}";
  }
}
