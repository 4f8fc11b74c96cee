package io.switchboard.spring;

import io.grpc.ClientInterceptor;
import io.switchboard.pool.ChannelPool;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.util.LambdaSafe;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.grpc.client.GlobalClientInterceptor;
import org.springframework.grpc.client.GrpcChannelBuilderCustomizer;
import org.springframework.grpc.client.GrpcChannelFactory;

/**
 * Channel pools for the clients named under {@code switchboard.pool.clients}, plugged into Spring
 * gRPC: a {@link ChannelPools} bean, and a {@link GrpcChannelFactory} that hands out the pool of a
 * client for a channel of the client's name. It runs after Spring Boot's gRPC client
 * auto-configuration, so Spring gRPC's own Netty factory stays for every other target and Spring
 * Boot puts both behind its composite factory.
 *
 * <p>Each pooled channel's builder gets, in order: the client's target, TLS and keepalive; then
 * every {@link GrpcChannelBuilderCustomizer} bean, called with the client's name as the target.
 * Global client interceptors apply to every call. Off with {@code switchboard.pool.enabled=false}.
 */
@AutoConfiguration(
    afterName = "org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration",
    beforeName =
        "org.springframework.boot.grpc.client.autoconfigure.CompositeChannelFactoryAutoConfiguration")
@ConditionalOnClass({ChannelPool.class, GrpcChannelFactory.class})
@ConditionalOnBooleanProperty(name = "switchboard.pool.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SwitchboardPoolProperties.class)
public final class SwitchboardPoolAutoConfiguration {

  /** Used by Spring Boot's auto-configuration. */
  public SwitchboardPoolAutoConfiguration() {}

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  ChannelPools switchboardChannelPools(
      SwitchboardPoolProperties properties,
      Environment environment,
      ObjectProvider<SslBundles> sslBundles,
      ObjectProvider<GrpcChannelBuilderCustomizer<?>> customizers) {
    Consumer<ChannelPools.ChannelBuilderContext> customize =
        context -> applyCustomizers(customizers.orderedStream().toList(), context);
    return new ChannelPools(properties, environment, sslBundles.getIfAvailable(), customize);
  }

  @Bean
  @ConditionalOnMissingBean(PooledGrpcChannelFactory.class)
  PooledGrpcChannelFactory switchboardPooledChannelFactory(
      ChannelPools pools, ApplicationContext context) {
    return new PooledGrpcChannelFactory(pools, memoize(() -> globalInterceptors(context)));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void applyCustomizers(
      List<GrpcChannelBuilderCustomizer<?>> customizers,
      ChannelPools.ChannelBuilderContext context) {
    Collection<GrpcChannelBuilderCustomizer> all = (Collection) customizers;
    LambdaSafe.callbacks(GrpcChannelBuilderCustomizer.class, all, context.builder())
        .withLogger(SwitchboardPoolAutoConfiguration.class)
        .invoke(customizer -> customizer.customize(context.client(), context.builder()));
  }

  /**
   * The {@code @GlobalClientInterceptor} beans in their order ({@code @Order} on the bean method or
   * class, or {@code Ordered}), as Spring gRPC's own factories apply them.
   */
  private static List<ClientInterceptor> globalInterceptors(ApplicationContext context) {
    Set<Object> global = Collections.newSetFromMap(new IdentityHashMap<>());
    global.addAll(context.getBeansWithAnnotation(GlobalClientInterceptor.class).values());
    return context
        .getBeanProvider(ClientInterceptor.class)
        .orderedStream()
        .filter(global::contains)
        .toList();
  }

  private static <T> Supplier<T> memoize(Supplier<T> supplier) {
    return new Supplier<>() {
      private volatile T value;

      @Override
      public T get() {
        T result = value;
        if (result == null) {
          synchronized (this) {
            result = value;
            if (result == null) {
              result = supplier.get();
              value = result;
            }
          }
        }
        return result;
      }
    };
  }
}
