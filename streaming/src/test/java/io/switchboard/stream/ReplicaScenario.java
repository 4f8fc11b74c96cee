package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.core.RpcClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The randomized multi-replica run of issue #13, against replicas that serve {@link ReplicaService}
 * over one shared store: a random history, then concurrent appends through every replica,
 * subscribers on each replica from random sequences (some before the appends start, some during),
 * some of them slow readers; midway one replica is stopped and its subscribers resume on another
 * from the sequence after the last one they received. At the end every subscriber must have
 * received exactly the events of the store from its start on, in order: no gap, no duplicate, and
 * the payloads the store holds.
 *
 * <p>Small and quick on purpose (tens of events per appender): the interleavings vary from run to
 * run, and a test runs it 50 times.
 */
public final class ReplicaScenario {
  /** How one replica is stopped for one run's log. */
  public interface Stopper {
    void stop(int replica, String log) throws Exception;
  }

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int SUBSCRIBERS_PER_REPLICA = 2;

  private final List<RpcClient> replicas = new ArrayList<>();
  private final ExecutorService threads;

  /**
   * A scenario over these replicas' channels, running its appenders and subscribers on {@code
   * threads} (at least 3 + 2 per replica at once).
   */
  public ReplicaScenario(List<? extends Channel> channels, ExecutorService threads) {
    for (Channel c : channels) {
      replicas.add(RpcClient.create(c).withTimeout(Duration.ofSeconds(30)));
    }
    this.threads = threads;
  }

  /** Stops a replica's log by its {@code Stop} call: its streams end, later calls fail. */
  public void stopLog(int replica, String log) {
    replicas.get(replica).blockingUnary(ReplicaService.STOP, log);
  }

  /**
   * One run on log {@code log}: {@code truth} is a store instance over the same log, read to know
   * the end and what every subscriber must have received; {@code stopper} stops the victim (for
   * instance {@code scenario::stopLog}). Every replica's log is stopped at the end.
   *
   * @return the number of events the run stored
   */
  public long run(String log, EventStore<String> truth, Stopper stopper, Random random)
      throws Exception {
    boolean[] down = new boolean[replicas.size()];
    try {
      return run(log, truth, stopper, random, down);
    } finally {
      for (int r = 0; r < replicas.size(); r++) {
        if (!isDown(down, r)) {
          stopLog(r, log);
        }
      }
    }
  }

  private long run(
      String log, EventStore<String> truth, Stopper stopper, Random random, boolean[] down)
      throws Exception {
    int n = replicas.size();
    int victim = random.nextInt(n);
    for (int i = random.nextInt(40); i > 0; i--) {
      append(random.nextInt(n), log, "history-" + i);
    }
    List<Subscriber> subscribers = new ArrayList<>();
    List<CompletableFuture<Void>> reading = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      Subscriber s = new Subscriber(log, r, 1 + random.nextLong(truth.lastSequence() + 1), down);
      subscribers.add(s);
      reading.add(CompletableFuture.runAsync(s, threads));
    }
    // Appenders, one per replica; when half the appends are in, the victim is stopped.
    int perAppender = 20 + random.nextInt(40);
    AtomicInteger appended = new AtomicInteger();
    CountDownLatch half = new CountDownLatch(1);
    List<CompletableFuture<Void>> appenders = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      int home = r;
      long seed = random.nextLong();
      appenders.add(
          CompletableFuture.runAsync(
              () -> {
                Random pace = new Random(seed);
                int at = home;
                for (int i = 0; i < perAppender; i++) {
                  String payload = "r" + home + "-" + i;
                  for (; ; ) {
                    try {
                      append(at, log, payload);
                      break;
                    } catch (StatusRuntimeException e) {
                      if (!isDown(down, at)) {
                        throw e;
                      }
                      at = (at + 1) % n; // Its replica is gone: append through another.
                    }
                  }
                  if (appended.incrementAndGet() >= n * perAppender / 2) {
                    half.countDown();
                  }
                  if (pace.nextInt(8) == 0) {
                    LockSupport.parkNanos(pace.nextInt(300_000)); // pacing, not a wait
                  }
                }
              },
              threads));
    }
    // More subscribers while appends go on.
    for (int r = 0; r < n * (SUBSCRIBERS_PER_REPLICA - 1); r++) {
      Subscriber s =
          new Subscriber(log, r % n, 1 + random.nextLong(truth.lastSequence() + 1), down);
      subscribers.add(s);
      reading.add(CompletableFuture.runAsync(s, threads));
    }
    assertThat(half.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("half the appends").isTrue();
    synchronized (down) {
      down[victim] = true;
    }
    stopper.stop(victim, log);
    CompletableFuture.allOf(appenders.toArray(CompletableFuture[]::new))
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    long end = truth.lastSequence();
    for (Subscriber s : subscribers) {
      s.end.set(end);
    }
    CompletableFuture.allOf(reading.toArray(CompletableFuture[]::new))
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);

    List<String> all = new ArrayList<>();
    for (Event<String> e : EventStoreContract.readAll(truth, 1)) {
      assertThat(e.sequence()).isEqualTo(all.size() + 1L); // nothing evicted in these runs
      all.add(e.sequence() + "\t" + e.payload());
    }
    assertThat(all).hasSize((int) end);
    for (Subscriber s : subscribers) {
      assertThat(s.received)
          .as("subscriber from %d (replica %d, resumed %d times)", s.start, s.home, s.resumed)
          .isEqualTo(all.subList((int) s.start - 1, all.size()));
    }
    return end;
  }

  private void append(int replica, String log, String payload) {
    replicas.get(replica).blockingUnary(ReplicaService.APPEND, log + "\t" + payload);
  }

  private static boolean isDown(boolean[] down, int replica) {
    synchronized (down) {
      return down[replica];
    }
  }

  /** Reads one subscription until the end, resuming on another replica if its own stops. */
  private final class Subscriber implements Runnable {
    final String log;
    final int home;
    final long start;
    final boolean[] down;
    final boolean slow;
    final List<String> received = new ArrayList<>();
    final AtomicLong end = new AtomicLong(Long.MAX_VALUE);
    int resumed;

    Subscriber(String log, int home, long start, boolean[] down) {
      this.log = log;
      this.home = home;
      this.start = start;
      this.down = down;
      this.slow = (start & 1) == 0; // about half read slowly: their live buffers overflow
    }

    @Override
    public void run() {
      int at = home;
      long next = start;
      while (next <= end.get()) {
        StreamReceiver<String> stream =
            StreamReceiver.forClient(
                ReceiverSettings.newBuilder().initialWindow(4).maxWindow(4).build());
        replicas
            .get(at)
            .serverStreaming(ReplicaService.SUBSCRIBE, log + "\t" + next, stream.clientObserver());
        try {
          while (next <= end.get()) {
            String m = stream.poll(Duration.ofMillis(100));
            if (m == null) {
              continue; // Nothing yet; the end may be known now.
            }
            long seq = Long.parseLong(m.substring(0, m.indexOf('\t')));
            assertThat(seq).as("after %d from replica %d", next - 1, at).isEqualTo(next);
            received.add(m);
            next++;
            if (slow && (next & 7) == 0) {
              LockSupport.parkNanos(200_000); // a slow reader
            }
          }
          stream.cancel("read to the end");
        } catch (StatusRuntimeException e) {
          Status.Code code = e.getStatus().getCode();
          if (!isDown(down, at)
              || (code != Status.Code.UNAVAILABLE && code != Status.Code.CANCELLED)) {
            throw e;
          }
          resumed++;
          at = (at + 1) % replicas.size(); // Its replica stopped: resume on another.
        }
      }
    }
  }
}
