package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.stream.TestMessages.Msg;
import io.switchboard.stream.TestMessages.Req;
import io.switchboard.testing.Await;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Catch-up subscriptions over real Netty, with appends racing the replay. */
class CatchUpNettyTest {
  static final ServiceSpec SERVICE = ServiceSpec.named("test.CatchUp");
  static final MethodSpec<Req, Msg> SUBSCRIBE =
      SERVICE.serverStreaming("Subscribe", TestMessages.REQ, TestMessages.MSG);

  static final int EVENT = 0;
  static final int CHECKPOINT = 1;
  static final int CAUGHT_UP = 2;
  static final int FELL_BEHIND = 3;
  static final LongPredicate EVERY_THIRD = v -> v % 3 == 0;

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private final AtomicReference<EventLog<Long>> log = new AtomicReference<>();
  private final AtomicReference<CatchUpSubscription<Long>> lastSubscription =
      new AtomicReference<>();
  private final AtomicLong fallbacks = new AtomicLong();
  private final AtomicReference<FlowControlledSender<Msg>> lastSender = new AtomicReference<>();
  private final AtomicReference<List<SubscriptionSignal>> lastSignals = new AtomicReference<>();
  private ExecutorService appender;

  @BeforeEach
  void startAppender() {
    // Registered inside the test (not in a field initializer) so it is shut down after each test.
    appender = grpc.register(Executors.newSingleThreadExecutor());
  }

  /**
   * tag: "all", "third", "push", "time:&lt;instant&gt;" or "epoch:&lt;epoch&gt;" (all events,
   * expecting that epoch); count: the start sequence (unused with a time).
   */
  private void subscribe(Req req, StreamObserver<Msg> responses) {
    boolean push = req.tag().startsWith("push");
    boolean pushMarkers = req.tag().equals("push-signals"); // BLOCK: nothing dropped
    List<SubscriptionSignal> signals = new CopyOnWriteArrayList<>();
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(
            (ServerCallStreamObserver<Msg>) responses,
            SenderSettings.<Msg>newBuilder()
                .maxBufferedMessages(64)
                .overflowStrategy(
                    push && !pushMarkers ? OverflowStrategy.DROP_OLDEST : OverflowStrategy.BLOCK)
                .build());
    lastSender.set(sender);
    CatchUpSubscription.Builder<Long, Msg> builder =
        CatchUpSubscription.newBuilder(
                log.get(), sender, e -> new Msg(EVENT, e.sequence(), 0, bytes(e.payload())))
            .liveBuffer(8) // small: slow readers fall back to the store often
            .pageSize(32)
            .checkpoints(50, seq -> new Msg(CHECKPOINT, seq, 0, new byte[0]))
            .listener(signals::add);
    if (!push || pushMarkers) {
      builder.signals(CatchUpNettyTest::marker); // (pushed markers would meet DROP_OLDEST)
    }
    lastSignals.set(signals);
    if (req.tag().startsWith("time:")) {
      builder.fromTime(Instant.parse(req.tag().substring(5)));
    } else {
      builder.fromSequence(req.count());
      if (req.tag().startsWith("epoch:")) {
        builder.expectEpoch(req.tag().substring(6));
      }
      if (req.tag().equals("third")) {
        builder.filter(v -> EVERY_THIRD.test(v));
      }
      if (push) {
        builder.pushLive();
      }
    }
    CatchUpSubscription<Long> subscription = builder.start();
    lastSubscription.set(subscription);
  }

  private static Msg marker(SubscriptionSignal s) {
    return new Msg(
        s.kind() == SubscriptionSignal.Kind.CAUGHT_UP ? CAUGHT_UP : FELL_BEHIND,
        s.sequence(),
        0,
        s.epoch().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static byte[] bytes(long v) {
    return java.nio.ByteBuffer.allocate(8).putLong(v).array();
  }

  private TestServer start() {
    return grpc.nettyServer(
        ServiceBinder.forService(SERVICE).serverStreaming(SUBSCRIBE, this::subscribe).build());
  }

  @Test
  void replayThenLiveHasNoGapNoDuplicateUnderConcurrentAppends() throws Exception {
    TestServer server = start();
    RpcClient client = RpcClient.create(server.newChannel());
    int runs = 40;
    for (int run = 0; run < runs; run++) {
      boolean filtered = run % 2 == 1;
      oneRun(client, filtered, run);
    }
    // The randomized timing must have exercised the overflow → catch-up path at least once.
    assertThat(fallbacks.get()).isPositive();
  }

  private void oneRun(RpcClient client, boolean filtered, int run) throws Exception {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    EventLog<Long> events = EventLog.inMemory(100_000);
    log.set(events);
    int history = random.nextInt(0, 300);
    for (int i = 0; i < history; i++) {
      events.append(random.nextLong(1_000_000));
    }
    int appends = random.nextInt(200, 1500);
    CompletableFuture<Void> appended =
        CompletableFuture.runAsync(
            () -> {
              ThreadLocalRandom r = ThreadLocalRandom.current();
              for (int i = 0; i < appends; i++) {
                long value = r.nextLong(1_000_000);
                // The last event passes every filter, so the client reads up to the end of the log
                // and with it every FELL_BEHIND marker: a fall-back may replay only events the
                // filter leaves out, and a client that stopped after its last expected event would
                // not read that marker (sent, in order, but after what it waits for).
                events.append(i == appends - 1 ? value - value % 3 : value);
                if (r.nextInt(50) == 0) {
                  LockSupport.parkNanos(r.nextLong(1, 300_000));
                }
              }
            },
            appender);
    // At most the next sequence to come when it subscribes (later is OUT_OF_RANGE, tested below).
    long from = 1 + random.nextLong(history + 1);
    StreamReceiver<Msg> receiver =
        StreamReceiver.forClient(ReceiverSettings.newBuilder().initialWindow(8).build());
    client.serverStreaming(
        SUBSCRIBE, new Req(from, filtered ? "third" : "all"), receiver.clientObserver());

    appended.get(30, TimeUnit.SECONDS);
    List<Long> expected = new ArrayList<>();
    for (Event<Long> e : events.store().read(from, Integer.MAX_VALUE)) {
      if (!filtered || EVERY_THIRD.test(e.payload())) {
        expected.add(e.sequence());
      }
    }
    List<Long> received = new ArrayList<>();
    List<SubscriptionSignal> markers = new ArrayList<>();
    long lastCheckpoint = 0;
    long lastEvent = 0;
    while (received.size() < expected.size()) {
      Msg m = receiver.poll(Duration.ofSeconds(20));
      assertThat(m)
          .as("run %d: message %d of %d", run, received.size(), expected.size())
          .isNotNull();
      if (m.producer() == CHECKPOINT) {
        assertThat(m.seq()).isGreaterThan(Math.max(lastCheckpoint, lastEvent));
        lastCheckpoint = m.seq();
        continue;
      }
      if (m.producer() == CAUGHT_UP || m.producer() == FELL_BEHIND) {
        // Markers alternate, caught-up first, each at or after what was sent before it.
        boolean caughtUp = m.producer() == CAUGHT_UP;
        assertThat(caughtUp)
            .as("run %d: marker %d", run, markers.size())
            .isEqualTo(markers.size() % 2 == 0);
        assertThat(m.seq()).isGreaterThanOrEqualTo(Math.max(from - 1, lastEvent));
        markers.add(
            new SubscriptionSignal(
                caughtUp ? SubscriptionSignal.Kind.CAUGHT_UP : SubscriptionSignal.Kind.FELL_BEHIND,
                m.seq(),
                new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8)));
        continue;
      }
      // An event after a marker comes after the marker's sequence.
      if (!markers.isEmpty()) {
        assertThat(m.seq()).isGreaterThan(markers.get(markers.size() - 1).sequence());
      }
      received.add(m.seq());
      lastEvent = m.seq();
      if (random.nextInt(20) == 0) {
        LockSupport.parkNanos(random.nextLong(1, 2_000_000)); // a reader that stalls now and then
      }
    }
    assertThat(received)
        .as("run %d (filtered: %s, from %d)", run, filtered, from)
        .isEqualTo(expected);
    // The server code heard the same signals, in the same order (maybe more, not yet read).
    List<SubscriptionSignal> heard = lastSignals.get();
    assertThat(heard.subList(0, markers.size())).isEqualTo(markers);
    assertThat(markers).allMatch(s -> s.epoch().equals(events.store().epoch()));
    receiver.cancel("test run done");
    awaitNoLiveSubscribers(events);
    // Every fall-back reached the client as a marker, before the events it replays. Counted once
    // the server saw the stream end (no fall-back can come after the last event was delivered).
    lastSender.get().whenDone().toCompletableFuture().get(10, TimeUnit.SECONDS);
    long serverFallbacks = lastSubscription.get().stats().fallbacks();
    assertThat(markers)
        .as("run %d: FELL_BEHIND markers read vs fall-backs on the server", run)
        .filteredOn(s -> s.kind() == SubscriptionSignal.Kind.FELL_BEHIND)
        .hasSize(Math.toIntExact(serverFallbacks));
    fallbacks.addAndGet(serverFallbacks);
  }

  private static void awaitNoLiveSubscribers(EventLog<?> events) {
    Await.until(
        Duration.ofSeconds(10),
        () -> events.liveSubscribers() == 0,
        () -> "live subscriber removed; live: " + events.liveSubscribers());
  }

  @Test
  void pushLiveReplaysHistoryLosslesslyThenDropsOldestForASlowReader() throws Exception {
    TestServer server = start();
    RpcClient client =
        RpcClient.create(
            grpc.register(
                ((io.grpc.netty.NettyChannelBuilder) server.newChannelBuilder())
                    .flowControlWindow(16 * 1024)
                    .build()));
    EventLog<Long> events = EventLog.inMemory(100_000);
    for (long i = 0; i < 500; i++) {
      events.append(i);
    }
    log.set(events);
    StreamReceiver<Msg> receiver =
        StreamReceiver.forClient(
            ReceiverSettings.newBuilder().initialWindow(4).maxWindow(4).build());
    client.serverStreaming(SUBSCRIBE, new Req(1, "push"), receiver.clientObserver());
    // History first, read slowly.
    List<Long> received = new ArrayList<>();
    while (received.size() < 500) {
      Msg m = receiver.poll(Duration.ofSeconds(20));
      assertThat(m).isNotNull();
      received.add(m.seq());
    }
    // Once live: a burst the slow reader cannot keep up with.
    Await.until(
        Duration.ofSeconds(20),
        () -> lastSubscription.get().stats().live(),
        () -> "subscription live: " + lastSubscription.get().stats());
    for (long i = 0; i < 5_000; i++) {
      events.append(i);
    }
    SenderStats stats;
    do {
      Msg m = receiver.poll(Duration.ofMillis(500));
      if (m != null) {
        received.add(m.seq());
        LockSupport.parkNanos(100_000);
      }
      stats = lastSender.get().stats();
    } while (received.size() < stats.sent() || stats.buffered() > 0);
    receiver.cancel("done");
    for (int i = 0; i < 500; i++) {
      assertThat(received.get(i)).isEqualTo(i + 1L); // the replay lost nothing
    }
    for (int i = 1; i < received.size(); i++) {
      assertThat(received.get(i)).isGreaterThan(received.get(i - 1)); // ordered, no duplicate
    }
    assertThat(stats.dropped()).isPositive();
    assertThat(stats.sent() + stats.dropped()).isEqualTo(5_500);
    assertThat(received).hasSize((int) stats.sent());
    assertThat(received.get(received.size() - 1)).isEqualTo(5_500L); // the newest survived
  }

  @Test
  void pushLiveSendsTheCaughtUpMarkerBeforeTheFirstLiveEvent() throws Exception {
    TestServer server = start();
    RpcClient client = RpcClient.create(server.newChannel());
    EventLog<Long> events = EventLog.inMemory(100);
    for (long i = 1; i <= 3; i++) {
      events.append(i);
    }
    log.set(events);
    StreamReceiver<Msg> receiver = StreamReceiver.forClient(ReceiverSettings.defaults());
    client.serverStreaming(SUBSCRIBE, new Req(1, "push-signals"), receiver.clientObserver());
    List<String> seen = new ArrayList<>();
    while (seen.size() < 4) {
      Msg m = receiver.poll(Duration.ofSeconds(20));
      assertThat(m).isNotNull();
      seen.add((m.producer() == CAUGHT_UP ? "caught up " : "event ") + m.seq());
    }
    // The marker was pushed under the log's lock: appends made now come after it.
    for (long i = 4; i <= 5; i++) {
      events.append(i);
    }
    while (seen.size() < 6) {
      Msg m = receiver.poll(Duration.ofSeconds(20));
      assertThat(m).isNotNull();
      seen.add((m.producer() == CAUGHT_UP ? "caught up " : "event ") + m.seq());
    }
    receiver.cancel("done");
    assertThat(seen)
        .containsExactly("event 1", "event 2", "event 3", "caught up 3", "event 4", "event 5");
    assertThat(lastSignals.get())
        .containsExactly(
            new SubscriptionSignal(SubscriptionSignal.Kind.CAUGHT_UP, 3, events.store().epoch()));
  }

  @Test
  void anEvictedStartIsOutOfRangeNamingTheEarliestAvailable() {
    TestServer server = start();
    RpcClient client = RpcClient.create(server.newChannel());
    EventLog<Long> events = EventLog.inMemory(10);
    for (long i = 0; i < 50; i++) {
      events.append(i);
    }
    log.set(events);
    StreamReceiver<Msg> receiver = StreamReceiver.forClient(ReceiverSettings.defaults());
    client.serverStreaming(SUBSCRIBE, new Req(5, "all"), receiver.clientObserver());
    assertThatThrownBy(receiver::take)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
              assertThat(e.getStatus().getDescription())
                  .contains("sequence 5 is no longer retained")
                  .contains("earliest available is 41");
            });
  }

  @Test
  void aStartBeyondTheEndIsOutOfRangeNamingTheNewest() throws Exception {
    TestServer server = start();
    RpcClient client = RpcClient.create(server.newChannel());
    EventLog<Long> events = EventLog.inMemory(100);
    for (long i = 1; i <= 10; i++) {
      events.append(i);
    }
    log.set(events);
    StreamReceiver<Msg> beyond = StreamReceiver.forClient(ReceiverSettings.defaults());
    client.serverStreaming(SUBSCRIBE, new Req(12, "all"), beyond.clientObserver());
    assertThatThrownBy(beyond::take)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
              assertThat(e.getStatus().getDescription())
                  .contains("sequence 12 is beyond the end of the log: the newest is 10")
                  .contains("resubscribe from 11 or earlier");
            });

    // The next sequence to come is a fine start: caught up at once, then live.
    StreamReceiver<Msg> next = StreamReceiver.forClient(ReceiverSettings.defaults());
    client.serverStreaming(SUBSCRIBE, new Req(11, "all"), next.clientObserver());
    Msg caughtUp = next.poll(Duration.ofSeconds(20));
    assertThat(caughtUp).isNotNull();
    assertThat(caughtUp.producer()).isEqualTo(CAUGHT_UP);
    assertThat(caughtUp.seq()).isEqualTo(10);
    events.append(11L);
    Msg live = next.poll(Duration.ofSeconds(20));
    next.cancel("done");
    assertThat(live).isNotNull();
    assertThat(live.producer()).isEqualTo(EVENT);
    assertThat(live.seq()).isEqualTo(11);
  }

  @Test
  void aPositionFromAnotherEpochIsDataLoss() throws Exception {
    TestServer server = start();
    RpcClient client = RpcClient.create(server.newChannel());
    EventLog<Long> events = EventLog.inMemory(100);
    events.append(1L);
    log.set(events);
    String epoch = events.store().epoch();
    assertThat(epoch).isNotBlank();

    StreamReceiver<Msg> stale = StreamReceiver.forClient(ReceiverSettings.defaults());
    client.serverStreaming(
        SUBSCRIBE, new Req(1, "epoch:before-the-restart"), stale.clientObserver());
    assertThatThrownBy(stale::take)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS);
              assertThat(e.getStatus().getDescription())
                  .contains("the log was reset: sequence 1 is of epoch before-the-restart")
                  .contains("the log is at epoch " + epoch);
            });

    StreamReceiver<Msg> current = StreamReceiver.forClient(ReceiverSettings.defaults());
    client.serverStreaming(SUBSCRIBE, new Req(1, "epoch:" + epoch), current.clientObserver());
    Msg first = current.poll(Duration.ofSeconds(20));
    current.cancel("done");
    assertThat(first).isNotNull();
    assertThat(first.producer()).isEqualTo(EVENT);
    assertThat(first.seq()).isEqualTo(1);
  }

  @Test
  void aStoreResetUnderALiveSubscriptionIsDataLoss() throws Exception {
    TestServer server = start();
    RpcClient client = RpcClient.create(server.newChannel());
    ResettableStore store = new ResettableStore();
    EventLog<Long> events = EventLog.over(store);
    for (long i = 1; i <= 5; i++) {
      events.append(i);
    }
    log.set(events);
    String before = store.epoch();
    StreamReceiver<Msg> receiver = StreamReceiver.forClient(ReceiverSettings.defaults());
    client.serverStreaming(SUBSCRIBE, new Req(1, "all"), receiver.clientObserver());
    List<Integer> kinds = new ArrayList<>();
    while (kinds.size() < 6) {
      Msg m = receiver.poll(Duration.ofSeconds(20));
      assertThat(m).isNotNull();
      kinds.add(m.producer());
    }
    assertThat(kinds).containsExactly(EVENT, EVENT, EVENT, EVENT, EVENT, CAUGHT_UP);

    store.reset(); // the log starts again from 1, under a new epoch
    events.append(100L);
    List<Integer> after = new ArrayList<>();
    Throwable error = null;
    try {
      for (Msg m; (m = receiver.poll(Duration.ofSeconds(20))) != null; ) {
        after.add(m.producer());
      }
    } catch (StatusRuntimeException e) {
      error = e;
    }
    // It leaves live (the marker says so), finds the store behind it, and says what happened;
    // the event of the new epoch, sequence 1, is not passed off as one after sequence 5.
    assertThat(after).containsExactly(FELL_BEHIND);
    assertThat(error)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS);
              assertThat(e.getStatus().getDescription())
                  .contains("the log went back: its newest sequence is 1, below the 5")
                  .contains("it was reset (epoch " + before + ", now " + store.epoch() + ")")
                  .contains("resubscribe from 1");
            });
  }

  /** An in-memory store that can start again from sequence 1 under a new epoch, like a reset. */
  private static final class ResettableStore implements EventStore<Long> {
    private volatile EventStore<Long> current = EventStore.inMemory(1000);

    void reset() {
      current = EventStore.inMemory(1000);
    }

    @Override
    public Event<Long> append(Long payload, Instant timestamp) {
      return current.append(payload, timestamp);
    }

    @Override
    public List<Event<Long>> read(long fromSequence, int maxEvents) {
      return current.read(fromSequence, maxEvents);
    }

    @Override
    public long firstSequence() {
      return current.firstSequence();
    }

    @Override
    public long lastSequence() {
      return current.lastSequence();
    }

    @Override
    public String epoch() {
      return current.epoch();
    }
  }

  @Test
  void filteringSendsCheckpointsAClientCanResumeFrom() throws Exception {
    TestServer server = start();
    RpcClient client = RpcClient.create(server.newChannel());
    EventLog<Long> events = EventLog.inMemory(1000);
    for (long i = 1; i <= 300; i++) {
      events.append(i % 100 == 0 ? 3L : 1L); // only every 100th passes the filter
    }
    log.set(events);
    StreamReceiver<Msg> receiver = StreamReceiver.forClient(ReceiverSettings.defaults());
    client.serverStreaming(SUBSCRIBE, new Req(1, "third"), receiver.clientObserver());
    List<String> seen = new ArrayList<>();
    while (seen.size() < 6) {
      Msg m = receiver.poll(Duration.ofSeconds(20));
      assertThat(m).isNotNull();
      seen.add((m.producer() == CHECKPOINT ? "checkpoint " : "event ") + m.seq());
    }
    receiver.cancel("done");
    assertThat(seen)
        .containsExactly(
            "checkpoint 50",
            "event 100",
            "checkpoint 150",
            "event 200",
            "checkpoint 250",
            "event 300");
  }

  @Test
  void subscribesFromATime() throws Exception {
    TestServer server = start();
    RpcClient client = RpcClient.create(server.newChannel());
    EventLog<Long> events = EventLog.inMemory(1000);
    for (long i = 1; i <= 10; i++) {
      events.append(i);
    }
    Instant cut = events.store().read(6, 1).get(0).timestamp();
    log.set(events);
    StreamReceiver<Msg> receiver = StreamReceiver.forClient(ReceiverSettings.defaults());
    client.serverStreaming(SUBSCRIBE, new Req(0, "time:" + cut), receiver.clientObserver());
    Msg first = receiver.poll(Duration.ofSeconds(20));
    receiver.cancel("done");
    assertThat(first).isNotNull();
    assertThat(first.producer()).isEqualTo(EVENT);
    assertThat(first.seq()).isBetween(1L, 6L);
    // Judged by the events' own timestamps, not by sequenceAt (the lookup under test): the first
    // event delivered is at or after the cut, and the one before it (if any) is before the cut.
    assertThat(events.store().read(first.seq(), 1).get(0).timestamp()).isAfterOrEqualTo(cut);
    if (first.seq() > 1) {
      assertThat(events.store().read(first.seq() - 1, 1).get(0).timestamp()).isBefore(cut);
    }
  }
}
