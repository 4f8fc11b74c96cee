package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link EventStore} must do, run against each implementation (the in-memory ring here;
 * the JDBC and Kafka stores in their modules, through this module's test jar). A subclass opens
 * stores of {@code String} payloads over a fresh, empty log per test.
 *
 * <p>A store that several processes share runs {@link SharedEventStoreContract} instead, which adds
 * the cases of several instances over one log.
 */
public abstract class EventStoreContract {
  private final List<AutoCloseable> opened = new ArrayList<>();

  /** Opens a store over a new, empty log. */
  protected abstract EventStore<String> newStore() throws Exception;

  /** The stores that append at once in the concurrency case: {@code first} alone here. */
  protected List<EventStore<String>> appenders(EventStore<String> first) throws Exception {
    return List.of(first);
  }

  /** Whether times must not go down along the sequence whatever the appenders' clocks. */
  protected boolean ordersTimes() {
    return false;
  }

  /** Whether timestamps read back have only millisecond precision (Kafka). */
  protected boolean millisecondTimes() {
    return false;
  }

  /** Registers a resource to close after the test (stores, executors). */
  protected <T extends AutoCloseable> T closeAfter(T resource) {
    opened.add(resource);
    return resource;
  }

  @AfterEach
  void closeOpened() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    opened.clear();
  }

  @Test
  void emptyLog() throws Exception {
    EventStore<String> store = newStore();
    assertThat(store.lastSequence()).isZero();
    assertThat(store.firstSequence()).isEqualTo(1);
    assertThat(store.read(1, 10)).isEmpty();
    assertThat(store.sequenceAt(Instant.EPOCH)).isEqualTo(1);
  }

  @Test
  void appendsAreNumberedFromOneAndReadBackInOrder() throws Exception {
    EventStore<String> store = newStore();
    Instant start = Instant.now();
    List<Event<String>> appended = new ArrayList<>();
    for (int i = 1; i <= 25; i++) {
      Event<String> e = store.append("event-" + i, start.plusMillis(i));
      assertThat(e.sequence()).isEqualTo(i);
      assertThat(e.payload()).isEqualTo("event-" + i);
      appended.add(e);
    }
    assertThat(store.lastSequence()).isEqualTo(25);
    assertThat(store.firstSequence()).isEqualTo(1);

    List<Event<String>> all = store.read(1, 100);
    assertThat(all).extracting(Event::sequence).containsExactly(seq(1, 25));
    assertThat(all).extracting(Event::payload).containsExactly(payloads(1, 25));
    for (int i = 0; i < all.size(); i++) {
      assertThat(all.get(i).timestamp()).isEqualTo(precise(appended.get(i).timestamp()));
    }
    assertThat(store.read(10, 5))
        .extracting(Event::sequence)
        .containsExactly(10L, 11L, 12L, 13L, 14L);
    assertThat(store.read(24, 5)).extracting(Event::sequence).containsExactly(24L, 25L);
    assertThat(store.read(26, 5)).isEmpty();
    assertThat(store.read(1_000, 5)).isEmpty();
    assertThat(store.read(1, 0)).isEmpty();
  }

  @Test
  void sequenceAtFindsTheFirstEventAtOrAfterATime() throws Exception {
    EventStore<String> store = newStore();
    // An hour ago, whole seconds: brokers may refuse times far ahead of their clock.
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(1));
    for (int i = 0; i < 10; i++) {
      store.append("e" + i, t0.plusSeconds(10L * i)); // sequence i + 1 at t0 + 10 i s
    }
    assertThat(store.sequenceAt(t0.minusSeconds(1))).isEqualTo(1);
    assertThat(store.sequenceAt(t0)).isEqualTo(1);
    assertThat(store.sequenceAt(t0.plusSeconds(1))).isEqualTo(2);
    assertThat(store.sequenceAt(t0.plusSeconds(50))).isEqualTo(6);
    assertThat(store.sequenceAt(t0.plusSeconds(55))).isEqualTo(7);
    assertThat(store.sequenceAt(t0.plusSeconds(90))).isEqualTo(10);
    assertThat(store.sequenceAt(t0.plusSeconds(91))).isEqualTo(11);
  }

  @Test
  void concurrentAppendersGetContiguousSequencesAndKeepTheirPayloads() throws Exception {
    EventStore<String> first = newStore();
    List<EventStore<String>> stores = appenders(first);
    int threads = 6;
    int perThread = 150;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    closeAfter(pool::shutdownNow);
    CountDownLatch go = new CountDownLatch(1);
    Map<Long, String> bySequence = new ConcurrentHashMap<>();
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      EventStore<String> store = stores.get(t % stores.size());
      String prefix = "t" + t + "-";
      done.add(
          pool.submit(
              () -> {
                go.await();
                for (int i = 0; i < perThread; i++) {
                  Event<String> e = store.append(prefix + i, Instant.now());
                  assertThat(bySequence.put(e.sequence(), e.payload())).isNull();
                }
                return null;
              }));
    }
    go.countDown();
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    int total = threads * perThread;
    assertThat(bySequence.keySet()).containsExactlyInAnyOrder(seq(1, total));
    for (EventStore<String> store : stores) {
      assertThat(store.lastSequence()).isEqualTo(total);
      List<Event<String>> all = readAll(store, 1);
      assertThat(all).extracting(Event::sequence).containsExactly(seq(1, total));
      for (Event<String> e : all) {
        assertThat(e.payload()).isEqualTo(bySequence.get(e.sequence()));
      }
      if (ordersTimes()) {
        // One order across appenders: times never go down along the sequence.
        for (int i = 1; i < all.size(); i++) {
          assertThat(all.get(i).timestamp()).isAfterOrEqualTo(all.get(i - 1).timestamp());
        }
      }
    }
    // Each appender's own events keep its order.
    List<Event<String>> all = readAll(first, 1);
    for (int t = 0; t < threads; t++) {
      String prefix = "t" + t + "-";
      List<String> own = new ArrayList<>();
      for (Event<String> e : all) {
        if (e.payload().startsWith(prefix)) {
          own.add(e.payload());
        }
      }
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < perThread; i++) {
        expected.add(prefix + i);
      }
      assertThat(own).containsExactlyElementsOf(expected);
    }
  }

  /** Reads everything from {@code from} in pages. */
  protected static List<Event<String>> readAll(EventStore<String> store, long from) {
    List<Event<String>> all = new ArrayList<>();
    for (long next = from; ; ) {
      List<Event<String>> page = store.read(next, 200);
      if (page.isEmpty()) {
        return all;
      }
      all.addAll(page);
      next = page.get(page.size() - 1).sequence() + 1;
    }
  }

  protected Instant precise(Instant t) {
    return millisecondTimes() ? Instant.ofEpochMilli(t.toEpochMilli()) : t;
  }

  protected static Long[] seq(long from, long to) {
    Long[] s = new Long[(int) (to - from + 1)];
    for (int i = 0; i < s.length; i++) {
      s[i] = from + i;
    }
    return s;
  }

  private static String[] payloads(int from, int to) {
    String[] s = new String[to - from + 1];
    for (int i = 0; i < s.length; i++) {
      s[i] = "event-" + (from + i);
    }
    return s;
  }
}
