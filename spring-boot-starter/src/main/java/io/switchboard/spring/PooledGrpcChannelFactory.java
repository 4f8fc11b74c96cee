package io.switchboard.spring;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.grpc.client.ChannelBuilderOptions;
import org.springframework.grpc.client.GrpcChannelFactory;

/**
 * Spring gRPC's channel factory for the clients named under {@code switchboard.pool.clients}: a
 * channel of such a name is a handle on that client's {@link io.switchboard.pool.ChannelPool}, so
 * generated stubs, {@code @ImportGrpcClients} and {@code GrpcChannelFactory.createChannel(name)}
 * call through the pool. Every other target is left to the next factory (Spring gRPC's Netty one):
 * with two factories, Spring Boot's composite factory asks this one first ({@link
 * Ordered#HIGHEST_PRECEDENCE}).
 *
 * <p>Each handle applies the global client interceptors ({@code @GlobalClientInterceptor} beans, in
 * their order) and the interceptors of its {@link ChannelBuilderOptions}. Shutting a handle down
 * does not shut the shared pool down; the pools close with the application context. A builder
 * customizer given in {@link ChannelBuilderOptions#customizer()} is not applied: the channels are
 * shared by every handle; a {@code GrpcChannelBuilderCustomizer} bean is (see {@link
 * SwitchboardPoolAutoConfiguration}).
 */
final class PooledGrpcChannelFactory implements GrpcChannelFactory, Ordered {
  private final ChannelPools pools;
  private final Supplier<List<ClientInterceptor>> globalInterceptors;

  /**
   * @param globalInterceptors the global interceptors, in order, asked for at each {@code
   *     createChannel}
   */
  PooledGrpcChannelFactory(
      ChannelPools pools, Supplier<List<ClientInterceptor>> globalInterceptors) {
    this.pools = pools;
    this.globalInterceptors = globalInterceptors;
  }

  @Override
  public boolean supports(String target) {
    return pools.contains(target);
  }

  @Override
  public ManagedChannel createChannel(String target, ChannelBuilderOptions options) {
    List<ClientInterceptor> interceptors = new ArrayList<>(globalInterceptors.get());
    interceptors.addAll(options.interceptors());
    if (options.mergeWithGlobalInterceptors()) {
      AnnotationAwareOrderComparator.sort(interceptors);
    }
    return new PoolChannel(pools.get(target), interceptors);
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }

  @Override
  public String toString() {
    return "PooledGrpcChannelFactory" + pools.names();
  }
}
