package io.switchboard.pool;

import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.switchboard.pool.ChannelStats.Role;
import io.switchboard.pool.PooledChannel.CheckState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Sends grpc.health.v1 {@code Check}s of one service over each channel and records the answers on
 * the channel ({@link PooledChannel#onCheckResult}): SERVING in time passes, anything else (another
 * status, an error, the deadline) fails. A channel with a check still running is skipped, so a slow
 * server gets at most one check at a time per channel.
 */
final class HealthChecker {
  private final HealthCheckRequest request;
  private final Duration timeout;
  private final Supplier<List<PooledChannel>> channels;
  private final Runnable onWarmUpServing;
  private final PoolMetrics metrics;

  /**
   * @param service the service to check ({@code ""} for the whole server)
   * @param timeout each check's deadline
   * @param channels the channels to check at each round
   * @param onWarmUpServing told when a warming channel answered SERVING (it may now join)
   * @param metrics told each check's outcome
   */
  HealthChecker(
      String service,
      Duration timeout,
      Supplier<List<PooledChannel>> channels,
      Runnable onWarmUpServing,
      PoolMetrics metrics) {
    this.request = HealthCheckRequest.newBuilder().setService(service).build();
    this.timeout = timeout;
    this.channels = channels;
    this.onWarmUpServing = onWarmUpServing;
    this.metrics = metrics;
  }

  /** Starts one check on each channel that has none running. */
  void checkAll() {
    for (PooledChannel channel : channels.get()) {
      if (channel.checkInFlight) {
        continue;
      }
      channel.checkInFlight = true;
      try {
        HealthGrpc.newStub(channel.channel)
            .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
            .check(request, new Observer(channel));
      } catch (RuntimeException e) {
        channel.checkInFlight = false;
        metrics.checkFailed();
        channel.onCheckResult(CheckState.FAILING, "health check failed: " + e, System.nanoTime());
      }
    }
  }

  /** Records one check's outcome. */
  private final class Observer implements StreamObserver<HealthCheckResponse> {
    private final PooledChannel channel;

    Observer(PooledChannel channel) {
      this.channel = channel;
    }

    @Override
    public void onNext(HealthCheckResponse response) {
      HealthCheckResponse.ServingStatus status = response.getStatus();
      boolean serving = status == HealthCheckResponse.ServingStatus.SERVING;
      metrics.checkAnswered(serving);
      channel.onCheckResult(
          serving ? CheckState.SERVING : CheckState.FAILING,
          "health check: " + status,
          System.nanoTime());
      if (serving && channel.role() == Role.WARMING) {
        onWarmUpServing.run();
      }
    }

    @Override
    public void onError(Throwable t) {
      Status status = Status.fromThrowable(t);
      metrics.checkFailed();
      channel.onCheckResult(
          CheckState.FAILING,
          "health check failed: "
              + status.getCode()
              + (status.getDescription() == null ? "" : " " + status.getDescription()),
          System.nanoTime());
      channel.checkInFlight = false;
    }

    @Override
    public void onCompleted() {
      channel.checkInFlight = false;
    }
  }
}
