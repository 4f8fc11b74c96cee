package io.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ForwardingChannelBuilder2;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KeepAlivePresetTest {
  @ParameterizedTest
  @EnumSource(KeepAlivePreset.class)
  void everyPresetsClientFitsItsOwnServer(KeepAlivePreset preset) {
    assertThat(preset.client().incompatibilities(preset.server())).isEmpty();
    preset.client().checkCompatibleWith(preset.server());
  }

  @ParameterizedTest
  @EnumSource(KeepAlivePreset.class)
  void clientsThatDoNotPingWhileIdleFitGrpcDefaultServers(KeepAlivePreset preset) {
    assertThat(preset.client().isCompatibleWith(ServerKeepAlivePolicy.GRPC_DEFAULTS))
        .isEqualTo(!preset.client().keepAliveWithoutCalls());
  }

  @Test
  void cloudPresetNeverLeavesAConnectionSilentForAnNlbIdleTimeout() {
    ClientKeepAlive client = KeepAlivePreset.CLOUD_LOAD_BALANCER.client();
    assertThat(client.keepAliveWithoutCalls()).isTrue();
    assertThat(client.effectiveKeepAliveTime().plus(client.keepAliveTimeout()))
        .isLessThan(Duration.ofSeconds(350));
  }

  @Test
  void reportsPingsFasterThanPermittedAndPingsWithoutCallsNotPermitted() {
    ClientKeepAlive fast = KeepAlivePreset.FAST_FAILURE_DETECTION.client();
    assertThat(fast.incompatibilities(ServerKeepAlivePolicy.GRPC_DEFAULTS))
        .hasSize(2)
        .anySatisfy(p -> assertThat(p).contains("permitKeepAliveTime PT5M"))
        .anySatisfy(p -> assertThat(p).contains("does not permit pings without calls"));
    assertThatThrownBy(() -> fast.checkCompatibleWith(ServerKeepAlivePolicy.GRPC_DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too_many_pings");
  }

  @Test
  void marginAndClampDecideTheBorderCases() {
    ServerKeepAlivePolicy permit10s =
        ServerKeepAlivePolicy.GRPC_DEFAULTS.withPermitKeepAliveTime(Duration.ofSeconds(10));
    ClientKeepAlive exactly10s =
        new ClientKeepAlive(Duration.ofSeconds(10), Duration.ofSeconds(1), false);
    assertThat(exactly10s.isCompatibleWith(permit10s)).as("no margin").isFalse();
    assertThat(exactly10s.withKeepAliveTime(Duration.ofSeconds(11)).isCompatibleWith(permit10s))
        .isTrue();
    // grpc-java raises 1 s to 10 s, which a 5 s permit accepts.
    ClientKeepAlive oneSecond = exactly10s.withKeepAliveTime(Duration.ofSeconds(1));
    assertThat(oneSecond.effectiveKeepAliveTime()).isEqualTo(Duration.ofSeconds(10));
    assertThat(oneSecond.isCompatibleWith(permit10s.withPermitKeepAliveTime(Duration.ofSeconds(5))))
        .isTrue();
  }

  @Test
  void settingsRejectBadValuesNamingThem() {
    assertThatThrownBy(() -> new ClientKeepAlive(Duration.ZERO, Duration.ofSeconds(1), false))
        .hasMessage("keepAliveTime: PT0S (expected: > 0)");
    assertThatThrownBy(
            () ->
                ServerKeepAlivePolicy.GRPC_DEFAULTS.withPermitKeepAliveTime(Duration.ofSeconds(-1)))
        .hasMessage("permitKeepAliveTime: PT-1S (expected: >= 0)");
    assertThatThrownBy(
            () -> ServerKeepAlivePolicy.GRPC_DEFAULTS.withMaxConnectionIdle(Duration.ZERO))
        .hasMessage("maxConnectionIdle: PT0S (expected: > 0)");
  }

  @ParameterizedTest
  @EnumSource(KeepAlivePreset.class)
  void clientHalfSetsItsValuesOnTheChannelBuilder(KeepAlivePreset preset) {
    // The server half's effect is checked on the wire: PoolFaultTest's paired vs strict servers.
    RecordingChannelBuilder builder = new RecordingChannelBuilder();
    assertThat(preset.client().applyTo(builder)).isSameAs(builder);
    assertThat(builder.keepAliveTimeNanos).isEqualTo(preset.client().keepAliveTime().toNanos());
    assertThat(builder.keepAliveTimeoutNanos)
        .isEqualTo(preset.client().keepAliveTimeout().toNanos());
    assertThat(builder.keepAliveWithoutCalls).isEqualTo(preset.client().keepAliveWithoutCalls());
  }

  /** A Netty channel builder that records the keepalive settings it is given. */
  static final class RecordingChannelBuilder
      extends ForwardingChannelBuilder2<RecordingChannelBuilder> {
    final NettyChannelBuilder delegate = NettyChannelBuilder.forTarget("never.built.invalid:443");
    long keepAliveTimeNanos = -1;
    long keepAliveTimeoutNanos = -1;
    Boolean keepAliveWithoutCalls;

    @Override
    protected ManagedChannelBuilder<?> delegate() {
      return delegate;
    }

    @Override
    public RecordingChannelBuilder keepAliveTime(long time, TimeUnit unit) {
      keepAliveTimeNanos = unit.toNanos(time);
      return super.keepAliveTime(time, unit);
    }

    @Override
    public RecordingChannelBuilder keepAliveTimeout(long timeout, TimeUnit unit) {
      keepAliveTimeoutNanos = unit.toNanos(timeout);
      return super.keepAliveTimeout(timeout, unit);
    }

    @Override
    public RecordingChannelBuilder keepAliveWithoutCalls(boolean enable) {
      keepAliveWithoutCalls = enable;
      return super.keepAliveWithoutCalls(enable);
    }
  }
}
