package io.switchboard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.core.metrics.MetricSink;
import io.switchboard.metrics.micrometer.MicrometerMetrics;
import io.switchboard.pool.PoolStats;
import io.switchboard.testing.Await;
import io.switchboard.testing.TestMarshallers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.client.GlobalClientInterceptor;
import org.springframework.grpc.client.GrpcChannelFactory;
import org.springframework.grpc.client.ImportGrpcClients;

/**
 * One Spring Boot application serving a code-first service on Spring gRPC's Netty server and
 * calling it through two pooled clients: a code-first one through {@link GrpcChannelFactory}, and a
 * generated stub ({@code grpc.health.v1}) registered by {@code @ImportGrpcClients}.
 */
@SpringBootTest(
    classes = SwitchboardStarterTest.App.class,
    properties = {
      "spring.grpc.server.address=127.0.0.1",
      "spring.grpc.server.port=0",
      "switchboard.pool.clients.echo.target=127.0.0.1:${local.grpc.server.port}",
      "switchboard.pool.clients.echo.tls.enabled=false",
      "switchboard.pool.clients.echo.max-channels=4",
      "switchboard.pool.clients.echo.keep-alive=cloud-load-balancer",
      "switchboard.pool.clients.echo.health-check.service=" + SwitchboardStarterTest.ECHO_NAME,
      "switchboard.pool.clients.echo.health-check.interval=200ms",
      "switchboard.pool.clients.echo.health-check.timeout=200ms",
      "switchboard.pool.clients.health.target=127.0.0.1:${local.grpc.server.port}",
      "switchboard.pool.clients.health.tls.enabled=false",
      "switchboard.pool.clients.unused.target=127.0.0.1:1",
      "switchboard.server.keep-alive=cloud-load-balancer",
      "management.endpoint.health.show-details=always",
      // Spring gRPC's health service reports a service from Actuator health groups: here, ping.
      "spring.grpc.server.health.service[" + SwitchboardStarterTest.ECHO_NAME + "].include=ping",
      "spring.grpc.server.health.schedule.delay=100ms",
      "spring.grpc.server.health.schedule.period=200ms",
    })
class SwitchboardStarterTest {
  static final String ECHO_NAME = "test.Echo";
  static final ServiceSpec ECHO = ServiceSpec.named(ECHO_NAME);
  static final MethodSpec<String, String> UPPER =
      ECHO.unary("Upper", TestMarshallers.utf8(), TestMarshallers.utf8());

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @ImportGrpcClients(target = "health", types = HealthGrpc.HealthBlockingStub.class)
  static class App {
    @Bean
    ServerServiceDefinition echoService() {
      return ServiceBinder.forService(ECHO).unary(UPPER, String::toUpperCase).build();
    }

    @Bean
    @GlobalClientInterceptor
    CountingInterceptor countingInterceptor() {
      return new CountingInterceptor();
    }
  }

  /** A global client interceptor: Spring gRPC applies it to every channel, pooled ones too. */
  static final class CountingInterceptor implements ClientInterceptor {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
      calls.incrementAndGet();
      return next.newCall(method, callOptions);
    }
  }

  @Autowired GrpcChannelFactory channels;
  @Autowired HealthGrpc.HealthBlockingStub healthStub;
  @Autowired ChannelPools pools;
  @Autowired HealthEndpoint healthEndpoint;
  @Autowired MeterRegistry meters;
  @Autowired CountingInterceptor interceptor;
  @Autowired ApplicationContext context;

  @Value("${local.grpc.server.port}")
  int serverPort;

  /** The value of a counter or gauge of the named pool, as the registry reads it. */
  private double meter(String name, String pool) {
    Meter meter = meters.get(name).tag(PoolInstruments.POOL, pool).meter();
    return meter.measure().iterator().next().getValue();
  }

  @Test
  void pooledClientsCallTheCodeFirstServiceOnSpringGrpcsServer() throws Exception {
    assertThat(pools.ifBuilt("echo")).as("pools are built on first use").isEmpty();
    assertThat(ChannelPoolsHealth.health(pools, "echo").getStatus()).isEqualTo(Status.UNKNOWN);

    // Code-first client: Spring gRPC's channel of the client's name is a handle on the pool.
    ManagedChannel channel = channels.createChannel("echo");
    assertThat(channel).isInstanceOf(PoolChannel.class);
    assertThat(((PoolChannel) channel).pool()).isSameAs(pools.get("echo"));
    RpcClient client = RpcClient.create(channel).withTimeout(Duration.ofSeconds(10));
    int echoCalls = 50;
    List<CompletableFuture<String>> replies = new ArrayList<>();
    for (int i = 0; i < echoCalls; i++) {
      replies.add(client.unary(UPPER, "hello " + i));
    }
    for (int i = 0; i < echoCalls; i++) {
      assertThat(replies.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("HELLO " + i);
    }

    // Generated stub from @ImportGrpcClients: Spring gRPC's health service answers for the
    // code-first service, which Spring gRPC's server serves (NOT_FOUND until its first update).
    AtomicInteger healthCalls = new AtomicInteger();
    Await.until(
        Duration.ofSeconds(10),
        "the code-first service SERVING on Spring gRPC's health service",
        () -> {
          healthCalls.incrementAndGet();
          try {
            return healthStub
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(ECHO_NAME).build())
                .getStatus()
                .name();
          } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND);
            return e.getStatus().toString();
          }
        },
        HealthCheckResponse.ServingStatus.SERVING.name()::equals);
    // The echo pool's own grpc.health.v1 checks now see SERVING too.
    Await.until(
        Duration.ofSeconds(10),
        () -> pools.get("echo").isHealthy(),
        () -> "echo pool healthy: " + pools.get("echo").stats().toTable());

    // The pools' snapshots count the calls, each on its own pool.
    PoolStats echo = pools.get("echo").stats();
    PoolStats health = pools.get("health").stats();
    assertThat(echo.callsStarted()).isEqualTo(echoCalls);
    assertThat(echo.callsFailed()).isZero();
    assertThat(health.callsStarted()).isEqualTo(healthCalls.get());
    assertThat(health.callsFailed()).isEqualTo(healthCalls.get() - 1);
    assertThat(echo.name()).isEqualTo("echo");
    assertThat(pools.get("echo").authority()).isEqualTo("127.0.0.1:" + serverPort);
    assertThat(pools.ifBuilt("unused")).isEmpty();
    // The global interceptor saw every call of both clients (the pools' own health checks go
    // around it, straight to their channels).
    assertThat(interceptor.calls.get()).isEqualTo(echoCalls + healthCalls.get());

    // Actuator health shows each pool with its counters; an unused client is UNKNOWN.
    HealthDescriptor descriptor = healthEndpoint.healthForPath("channelPools");
    assertThat(descriptor).isInstanceOf(CompositeHealthDescriptor.class);
    Map<String, HealthDescriptor> components =
        ((CompositeHealthDescriptor) descriptor).getComponents();
    assertThat(components).containsOnlyKeys("echo", "health", "unused");
    IndicatedHealthDescriptor echoHealth = (IndicatedHealthDescriptor) components.get("echo");
    assertThat(echoHealth.getStatus()).isEqualTo(Status.UP);
    assertThat(echoHealth.getDetails())
        .containsEntry("callsStarted", (long) echoCalls)
        .containsEntry("callsFailed", 0L)
        .containsEntry("activeChannels", 1);
    assertThat(components.get("health").getStatus()).isIn(Status.UP);
    assertThat(components.get("unused").getStatus()).isEqualTo(Status.UNKNOWN);
    assertThat(healthEndpoint.health().getStatus()).isEqualTo(Status.UP);

    // Micrometer shows the same counters, tagged by pool.
    assertThat(context.getBeansOfType(PoolInstruments.class)).hasSize(1);
    assertThat(context.getBean(MetricSink.class)).isInstanceOf(MicrometerMetrics.class);
    assertThat(meter("switchboard.pool.calls.started", "echo")).isEqualTo(echoCalls);
    assertThat(meter("switchboard.pool.calls.started", "health")).isEqualTo(healthCalls.get());
    assertThat(meter("switchboard.pool.calls.failed", "echo")).isZero();
    assertThat(meter("switchboard.pool.healthy", "echo")).isEqualTo(1.0);
    assertThat(meter("switchboard.pool.channels.active", "echo")).isEqualTo(1.0);
    assertThat(meter("switchboard.pool.calls.started", "unused")).isZero();

    // A handle shut down fails its new calls; the shared pool goes on.
    channel.shutdown();
    assertThat(channel.isShutdown()).isTrue();
    assertThat(client.unary(UPPER, "late"))
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(ExecutionException.class)
        .withMessageContaining("UNAVAILABLE");
    assertThat(RpcClient.create(pools.get("echo")).unary(UPPER, "on").get(10, TimeUnit.SECONDS))
        .isEqualTo("ON");
  }
}
