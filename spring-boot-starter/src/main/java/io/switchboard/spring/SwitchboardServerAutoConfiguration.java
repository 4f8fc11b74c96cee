package io.switchboard.spring;

import io.grpc.netty.NettyServerBuilder;
import io.switchboard.core.ServiceBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.grpc.server.GrpcServerFactory;
import org.springframework.grpc.server.ServerBuilderCustomizer;

/**
 * Code-first services on Spring gRPC's server: every {@link io.grpc.ServerServiceDefinition} bean
 * (e.g. built by {@link ServiceBinder}) is served next to the generated services, with Spring
 * gRPC's interceptors, health and reflection. With {@code switchboard.server.keep-alive} set, the
 * server's Netty builder gets that keepalive preset's server half.
 *
 * <p>Spring gRPC serves {@link io.grpc.BindableService} beans only; this auto-configuration runs
 * before Spring Boot's gRPC server auto-configuration and adds a {@code BindableService} for each
 * definition bean (see {@link CodeFirstServicesRegistrar}).
 */
@AutoConfiguration(
    beforeName = {
      "org.springframework.boot.grpc.server.autoconfigure.GrpcServerAutoConfiguration",
      "org.springframework.boot.grpc.server.autoconfigure.GrpcServerServicesAutoConfiguration",
      "org.springframework.boot.grpc.server.autoconfigure.health.GrpcServerHealthAutoConfiguration"
    })
@ConditionalOnClass({GrpcServerFactory.class, ServiceBinder.class})
@ConditionalOnBooleanProperty(name = "spring.grpc.server.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SwitchboardServerProperties.class)
@Import(CodeFirstServicesRegistrar.class)
public final class SwitchboardServerAutoConfiguration {

  /** Used by Spring Boot's auto-configuration. */
  public SwitchboardServerAutoConfiguration() {}

  @Bean
  @ConditionalOnClass(NettyServerBuilder.class)
  @ConditionalOnProperty("switchboard.server.keep-alive")
  ServerBuilderCustomizer<NettyServerBuilder> switchboardServerKeepAlive(
      SwitchboardServerProperties properties) {
    return builder -> properties.keepAlive().server().applyTo(builder);
  }
}
