/**
 * Code-first gRPC for grpc-java: declare services and methods in plain Java with any {@link
 * io.grpc.MethodDescriptor.Marshaller}, bind handlers that are ordinary functions, and call them
 * with {@link java.util.concurrent.CompletableFuture}s.
 *
 * <ul>
 *   <li>{@link io.switchboard.core.ServiceSpec} and {@link io.switchboard.core.MethodSpec}: the
 *       service's name and its methods, each a real {@link io.grpc.MethodDescriptor}.
 *   <li>{@link io.switchboard.core.ServiceBinder}: handlers to a {@link
 *       io.grpc.ServerServiceDefinition}, with exceptions mapped to a {@link io.grpc.Status} by an
 *       {@link io.switchboard.core.ErrorMapper}.
 *   <li>{@link io.switchboard.core.RpcClient}: calls over any {@link io.grpc.Channel}.
 * </ul>
 */
package io.switchboard.core;
