package io.switchboard.stream.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.stream.Event;
import io.switchboard.stream.EventStore;
import io.switchboard.stream.ReceiverSettings;
import io.switchboard.stream.ReplicaService;
import io.switchboard.stream.SharedEventStoreContract;
import io.switchboard.stream.StreamReceiver;
import io.switchboard.testing.Await;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestMarshallers;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract plus what is particular to the JDBC store, on one database. */
abstract class JdbcStoreContract extends SharedEventStoreContract {
  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  /** UTF-8 strings; refuses to read "unreadable", as a codec meeting bytes it cannot parse. */
  static final MethodDescriptor.Marshaller<String> CODEC =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return TestMarshallers.utf8().stream(value);
        }

        @Override
        public String parse(InputStream stream) {
          String s = TestMarshallers.utf8().parse(stream);
          if (s.equals("unreadable")) {
            throw new IllegalArgumentException("unreadable payload");
          }
          return s;
        }
      };

  /** The database, with the tables of every test (each test uses a log of its own). */
  abstract DataSource dataSource();

  JdbcEventStore.Builder<String> builder() {
    return JdbcEventStore.newBuilder(dataSource(), CODEC)
        .logName("log-" + UUID.randomUUID())
        .pollInterval(Duration.ofMillis(20));
  }

  @Override
  protected JdbcEventStore<String> newStore() {
    return closeAfter(builder().build());
  }

  @Override
  protected EventStore<String> openAgain(EventStore<String> store) {
    return closeAfter(((JdbcEventStore<String>) store).toBuilder().build());
  }

  @Override
  protected boolean ordersTimes() {
    return true;
  }

  @Test
  void anAppenderWithAClockBehindTakesTheNewestTime() {
    JdbcEventStore<String> a = newStore();
    EventStore<String> b = openAgain(a);
    Instant now = Instant.parse("2030-06-01T12:00:00Z");
    a.append("ahead", now);
    Event<String> behind = b.append("behind", now.minusSeconds(60));
    assertThat(behind.timestamp()).isEqualTo(now);
    assertThat(a.read(1, 10)).extracting(Event::timestamp).containsExactly(now, now);
    assertThat(a.sequenceAt(now)).isEqualTo(1);
    assertThat(a.sequenceAt(now.plusNanos(1))).isEqualTo(3);
  }

  @Test
  void retentionByCountKeepsTheNewest() {
    JdbcEventStore<String> store = closeAfter(builder().retainEvents(10).build());
    for (int i = 1; i <= 25; i++) {
      store.append("e" + i, Instant.now());
    }
    assertThat(store.enforceRetention()).isEqualTo(15);
    assertThat(store.firstSequence()).isEqualTo(16);
    assertThat(store.lastSequence()).isEqualTo(25);
    // A read from an evicted sequence starts at the oldest kept one.
    assertThat(store.read(1, 100)).extracting(Event::sequence).containsExactly(seq(16, 25));
    assertThat(store.enforceRetention()).isZero();
  }

  @Test
  void retentionByAgeDeletesOlderEvents() {
    JdbcEventStore<String> store = closeAfter(builder().retainFor(Duration.ofHours(1)).build());
    Instant now = Instant.now();
    store.append("two hours old", now.minus(Duration.ofHours(2)));
    store.append("ninety minutes old", now.minus(Duration.ofMinutes(90)));
    store.append("fresh", now);
    assertThat(store.enforceRetention()).isEqualTo(2);
    assertThat(store.read(1, 10)).extracting(Event::payload).containsExactly("fresh");
    assertThat(store.firstSequence()).isEqualTo(3);
  }

  @Test
  void retentionRunsByItselfOnItsInterval() {
    JdbcEventStore<String> store =
        closeAfter(builder().retainEvents(5).retentionCheckInterval(Duration.ofMillis(20)).build());
    for (int i = 0; i < 20; i++) {
      store.append("e" + i, Instant.now());
    }
    Await.until(
        Duration.ofSeconds(10),
        () -> store.firstSequence() == 16,
        () -> "retention kept from " + store.firstSequence() + ", expected 16");
  }

  @Test
  void allEventsDeletedByAgeLeaveAnEmptyLogThatGoesOn() {
    JdbcEventStore<String> store = closeAfter(builder().retainFor(Duration.ofMinutes(1)).build());
    store.append("old", Instant.now().minus(Duration.ofHours(1)));
    store.append("old too", Instant.now().minus(Duration.ofHours(1)));
    assertThat(store.enforceRetention()).isEqualTo(2);
    assertThat(store.lastSequence()).isEqualTo(2);
    assertThat(store.firstSequence()).isEqualTo(3);
    assertThat(store.read(1, 10)).isEmpty();
    assertThat(store.append("new", Instant.now()).sequence()).isEqualTo(3);
  }

  @Test
  void aDeletedLogStartsAgainWithANewEpoch() throws SQLException {
    JdbcEventStore<String> store = newStore();
    store.append("a", Instant.now());
    store.append("b", Instant.now());
    String before = store.epoch();
    deleteLog(store.logName());
    assertThat(store.lastSequence()).isZero();
    String after = store.epoch();
    assertThat(after).isNotEqualTo(before);
    assertThat(store.append("c", Instant.now()).sequence()).isEqualTo(1);
    assertThat(store.epoch()).isEqualTo(after);
  }

  @Test
  void theEpochIsTheSameForEveryInstanceOfALog() {
    JdbcEventStore<String> a = newStore();
    EventStore<String> b = openAgain(a);
    assertThat(((JdbcEventStore<String>) b).epoch()).isEqualTo(a.epoch()).isNotBlank();
  }

  @Test
  void awaitAfterWakesOnThisProcesssAppend() throws Exception {
    JdbcEventStore<String> store = newStore();
    CompletableFuture<Long> woke =
        CompletableFuture.supplyAsync(() -> await(store, 0, Duration.ofSeconds(30)));
    store.append("x", Instant.now());
    assertThat(woke.get(10, TimeUnit.SECONDS)).isEqualTo(1);
  }

  @Test
  void awaitAfterWakesOnAnotherInstancesAppend() throws Exception {
    JdbcEventStore<String> watcher = newStore();
    EventStore<String> other = openAgain(watcher);
    assertThat(await(watcher, 0, Duration.ofMillis(50))).isZero(); // starts watching; times out
    long start = System.nanoTime();
    CompletableFuture<Long> woke =
        CompletableFuture.supplyAsync(() -> await(watcher, 0, Duration.ofSeconds(30)));
    other.append("x", Instant.now());
    assertThat(woke.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aLogResetUnderALiveSubscriptionIsDataLossOverNetty() throws Exception {
    JdbcEventStore<String> store = newStore();
    for (int i = 1; i <= 3; i++) {
      store.append("before-" + i, Instant.now());
    }
    String before = store.epoch();
    ReplicaService replica =
        grpc.register(new ReplicaService(name -> closeAfter(store.toBuilder().build())));
    ManagedChannel channel = grpc.nettyServer(replica.definition()).newChannel();
    StreamReceiver<String> stream = StreamReceiver.forClient(ReceiverSettings.defaults());
    ReplicaService.subscribe(channel, store.logName(), 1, stream.clientObserver());
    for (int i = 1; i <= 3; i++) {
      assertThat(stream.poll(Duration.ofSeconds(20))).isEqualTo(i + "\tbefore-" + i);
    }
    deleteLog(store.logName()); // reset: the next append starts the log again, at 1
    store.append("after", Instant.now());
    String after = store.epoch();
    assertThatThrownBy(() -> stream.poll(Duration.ofSeconds(20)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS);
              assertThat(e.getStatus().getDescription())
                  // 0 if it looked before the append (the row is made again), else 1
                  .containsPattern("the log went back: its newest sequence is [01], below the 3")
                  .contains("it was reset (epoch " + before + ", now " + after + ")");
            });
  }

  @Test
  void anUndecodablePayloadIsAnErrorNamingTheEvent() throws SQLException {
    JdbcEventStore<String> store = newStore();
    store.append("fine", Instant.now());
    try (Connection c = dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement("UPDATE sb_events SET payload = ? WHERE log_name = ?")) {
      ps.setBytes(1, "unreadable".getBytes(StandardCharsets.UTF_8));
      ps.setString(2, store.logName());
      ps.executeUpdate();
    }
    assertThatThrownBy(() -> store.read(1, 10))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot decode event 1 of log " + store.logName());
  }

  static long await(JdbcEventStore<String> store, long after, Duration timeout) {
    try {
      return store.awaitAfter(after, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  void deleteLog(String logName) throws SQLException {
    try (Connection c = dataSource().getConnection()) {
      for (String table : new String[] {"sb_events", "sb_event_logs"}) {
        try (PreparedStatement ps =
            c.prepareStatement("DELETE FROM " + table + " WHERE log_name = ?")) {
          ps.setString(1, logName);
          ps.executeUpdate();
        }
      }
    }
  }
}
