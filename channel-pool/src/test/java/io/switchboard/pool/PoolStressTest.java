package io.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.testing.Await;
import io.switchboard.testing.EchoService;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Many threads making calls while the pool grows, shrinks and refreshes. */
class PoolStressTest {
  static final MethodSpec<String, String> ECHO = MethodSpec.of(EchoService.ECHO);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  @Test
  void noCallLostOrStuckAndInFlightReturnsToZero() throws Exception {
    EchoService backend = new EchoService("a");
    TestServer server = grpc.nettyServer(backend.definition());
    ChannelPool pool =
        grpc.register(
            ChannelPool.newBuilder(server.target())
                .usePlaintext()
                .callsPerChannel(4)
                .maxChannels(6)
                .idleTimeout(Duration.ofMillis(100))
                .maxChannelAge(Duration.ofMillis(300))
                .maintenanceInterval(Duration.ofMillis(10))
                .build());
    RpcClient client = RpcClient.create(pool).withTimeout(Duration.ofSeconds(30));
    int threads = 8;
    int callsPerThread = 400;
    ExecutorService callers = grpc.register(Executors.newFixedThreadPool(threads));
    AtomicInteger ok = new AtomicInteger();
    List<Future<?>> done = new ArrayList<>();
    // Samples the rotation while the callers run: it must never hold more than maxChannels.
    AtomicInteger mostActive = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService sampler = grpc.register(Executors.newSingleThreadExecutor());
    Future<?> sampling =
        sampler.submit(
            () -> {
              while (running.get()) {
                mostActive.accumulateAndGet(pool.stats().activeChannels(), Math::max);
                Thread.onSpinWait();
              }
            });
    // Each caller sends bursts of up to 8 concurrent calls, drains its burst and waits here. The
    // last one to arrive, every burst drained, waits until the pool has shrunk back to
    // minChannels before the next bursts start: load rises and falls so the pool grows and shrinks
    // while channels are refreshed. Shrinking needs a whole idleTimeout window of low load, so it
    // is awaited, not assumed from a fixed pause (callers' pauses drift apart on a loaded machine).
    CyclicBarrier quiet =
        new CyclicBarrier(
            threads,
            () ->
                Await.until(
                    Duration.ofSeconds(30),
                    "the rotation back to minChannels once no call is in flight",
                    pool::stats,
                    s -> s.grown() == s.shrunk()));
    for (int t = 0; t < threads; t++) {
      done.add(
          callers.submit(
              () -> {
                Semaphore window = new Semaphore(8);
                List<CompletableFuture<String>> mine = new ArrayList<>();
                for (int i = 0; i < callsPerThread; i++) {
                  window.acquireUninterruptibly();
                  CompletableFuture<String> call = client.unary(ECHO, "n" + i);
                  call.whenComplete((r, e) -> window.release());
                  mine.add(call);
                  if (i % 100 == 99) {
                    window.acquireUninterruptibly(8); // let the burst drain: load falls to zero
                    window.release(8);
                    quiet.await(60, TimeUnit.SECONDS);
                  }
                }
                for (CompletableFuture<String> call : mine) {
                  if (call.join().startsWith("a:n")) {
                    ok.incrementAndGet();
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get(90, TimeUnit.SECONDS);
    }
    running.set(false);
    sampling.get(10, TimeUnit.SECONDS);
    assertThat(mostActive.get()).as("most channels in rotation at once").isBetween(1, 6);
    assertThat(ok.get()).isEqualTo(threads * callsPerThread);
    PoolStats after = pool.stats();
    assertThat(after.callsInFlight()).as(after.toTable()).isZero();
    assertThat(after.grown()).as(after.toTable()).isPositive();
    // Every burst ended in a shrink back to minChannels, so all that was grown was shrunk again.
    assertThat(after.shrunk()).as(after.toTable()).isEqualTo(after.grown());
    assertThat(after.refreshed()).as(after.toTable()).isPositive();
    assertThat(after.callsFailed()).as(after.toTable()).isZero();
    assertThat(after.callsStarted()).as(after.toTable()).isEqualTo((long) threads * callsPerThread);
  }
}
