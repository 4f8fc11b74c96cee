package io.switchboard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.testing.TestMarshallers;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.CompositeChannelFactoryAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration;
import org.springframework.boot.grpc.server.autoconfigure.GrpcServerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.client.CompositeGrpcChannelFactory;
import org.springframework.grpc.client.GrpcChannelFactory;
import org.springframework.grpc.server.GrpcServerFactory;

/** The auto-configurations' conditions and the checks of the settings, without starting a call. */
class SwitchboardAutoConfigurationTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withPropertyValues("spring.grpc.server.port=0", "spring.grpc.server.address=127.0.0.1")
          .withConfiguration(
              AutoConfigurations.of(
                  SslAutoConfiguration.class,
                  GrpcClientAutoConfiguration.class,
                  CompositeChannelFactoryAutoConfiguration.class,
                  GrpcServerAutoConfiguration.class,
                  SwitchboardPoolAutoConfiguration.class,
                  SwitchboardServerAutoConfiguration.class));

  @Configuration(proxyBeanMethods = false)
  static class CodeFirst {
    @Bean
    ServerServiceDefinition greeter() {
      return ServiceBinder.forService(ServiceSpec.named("test.Greeter"))
          .unary(
              ServiceSpec.named("test.Greeter")
                  .unary("Hi", TestMarshallers.utf8(), TestMarshallers.utf8()),
              s -> "hi " + s)
          .build();
    }
  }

  @Test
  void aBadSettingStopsTheStartNamingTheClientAndTheBound() {
    assertStartFails(
        "switchboard.pool.clients.users: maxChannels: 0 (expected: 1..1024)",
        "switchboard.pool.clients.users.target=127.0.0.1:1",
        "switchboard.pool.clients.users.max-channels=0");
    assertStartFails(
        "switchboard.pool.clients.users: minChannels: 5 (expected: <= maxChannels 2)",
        "switchboard.pool.clients.users.target=127.0.0.1:1",
        "switchboard.pool.clients.users.min-channels=5",
        "switchboard.pool.clients.users.max-channels=2");
    assertStartFails(
        "switchboard.pool.clients.users.target: missing",
        "switchboard.pool.clients.users.max-channels=2");
    assertStartFails(
        "switchboard.pool.clients.users: timeout: PT2S (expected: <= interval PT1S)",
        "switchboard.pool.clients.users.target=127.0.0.1:1",
        "switchboard.pool.clients.users.health-check.service=",
        "switchboard.pool.clients.users.health-check.interval=1s",
        "switchboard.pool.clients.users.health-check.timeout=2s");
  }

  private void assertStartFails(String message, String... properties) {
    runner
        .withPropertyValues(properties)
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining("IllegalArgumentException: " + message));
  }

  @Test
  void pooledFactoryJoinsSpringGrpcsFactoriesBehindTheComposite() {
    runner
        .withPropertyValues("switchboard.pool.clients.users.target=127.0.0.1:1")
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(ChannelPools.class);
              assertThat(context.getBeansOfType(GrpcChannelFactory.class).values())
                  .hasAtLeastOneElementOfType(PooledGrpcChannelFactory.class);
              GrpcChannelFactory primary = context.getBean(GrpcChannelFactory.class);
              assertThat(primary).isInstanceOf(CompositeGrpcChannelFactory.class);
              assertThat(primary.supports("users")).isTrue();
              assertThat(primary.createChannel("users")).isInstanceOf(PoolChannel.class);
              // Any other target still gets Spring gRPC's own Netty channel.
              var other = primary.createChannel("127.0.0.1:2");
              assertThat(other).isNotInstanceOf(PoolChannel.class);
              other.shutdownNow();
            });
  }

  @Test
  void anUnknownClientNameIsRejectedWithTheNamesThereAre() {
    runner
        .withPropertyValues(
            "switchboard.pool.clients.users.target=127.0.0.1:1",
            "switchboard.pool.clients.logs.target=127.0.0.1:2")
        .run(
            context ->
                assertThat(
                        org.assertj.core.api.Assertions.catchThrowable(
                            () -> context.getBean(ChannelPools.class).get("user")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(
                        "switchboard.pool.clients.user: no such client (expected one of [logs,"
                            + " users])"));
  }

  @Test
  void offWhenDisabled() {
    runner
        .withPropertyValues(
            "switchboard.pool.enabled=false", "switchboard.pool.clients.users.target=127.0.0.1:1")
        .run(context -> assertThat(context).doesNotHaveBean(ChannelPools.class));
  }

  @Test
  void aCodeFirstDefinitionAloneGetsSpringGrpcsServer() {
    runner.run(context -> assertThat(context).doesNotHaveBean(GrpcServerFactory.class));
    runner
        .withUserConfiguration(CodeFirst.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(GrpcServerFactory.class);
              assertThat(context.getBeansOfType(BindableService.class).values())
                  .singleElement()
                  .extracting(b -> b.bindService().getServiceDescriptor().getName())
                  .isEqualTo("test.Greeter");
            });
  }
}
