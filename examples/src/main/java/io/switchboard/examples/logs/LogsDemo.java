package io.switchboard.examples.logs;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.RpcClient;
import io.switchboard.examples.Console;
import io.switchboard.examples.DemoContext;
import io.switchboard.msgpack.MessagePackMarshaller;
import io.switchboard.stream.Event;
import io.switchboard.stream.EventLog;
import io.switchboard.stream.ReceiverSettings;
import io.switchboard.stream.StreamInfo;
import io.switchboard.stream.StreamReceiver;
import io.switchboard.stream.StreamRegistry;
import io.switchboard.stream.jdbc.JdbcEventStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * Streaming: the log service on its own loopback server. A subscriber catches up on history and
 * goes live with no gap; then a slow subscriber meets a burst of lines in each delivery mode.
 */
public final class LogsDemo {
  private static final String[] SERVICES = {"billing", "search", "users", "mail"};
  private static final int HISTORY = 2_000;
  private static final int LIVE = 300;
  private static final int BURST = 3_000;
  private static final long SLOW_READ_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

  private LogsDemo() {}

  /** Runs the section; everything it starts is stopped before it returns. */
  public static void run(DemoContext ctx) {
    try {
      new LogsDemo().show(ctx.out());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private final Random random = new Random(42);
  private EventLog<LogLine> log;

  /**
   * The log lives in a database table through JDBC: H2 in memory here. Replicas of the service
   * would share it by pointing at one PostgreSQL instead (a PGSimpleDataSource or a pool), or use
   * {@code KafkaEventStore} on a topic partition: see the README. The example server keeps its log
   * the same way.
   */
  public static JdbcEventStore<LogLine> openStore(JdbcConnectionPool db) {
    return JdbcEventStore.newBuilder(db, MessagePackMarshaller.of(LogLine.class))
        .logName("demo-logs")
        .retainEvents(50_000)
        .build();
  }

  private void show(Console out) throws IOException, InterruptedException {
    out.section("Streaming: demo.LogStreamService/StreamLogs, catch-up then live, backpressure");
    JdbcConnectionPool db =
        JdbcConnectionPool.create(
            "jdbc:h2:mem:logs-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
    try (JdbcEventStore<LogLine> store = openStore(db);
        EventLog<LogLine> over = EventLog.over(store)) { // stops the tail of the store at the end
      log = over;
      show(out, store);
    } finally {
      db.dispose();
    }
  }

  private void show(Console out, JdbcEventStore<LogLine> store)
      throws IOException, InterruptedException {
    LogStreamService service = new LogStreamService(log);
    StreamRegistry registry =
        StreamRegistry.newBuilder().idleTimeout(Duration.ofMinutes(1)).build();
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(ServerInterceptors.intercept(service.definition(), registry.interceptor()))
            .addStreamTracerFactory(registry.streamTracerFactory())
            .build()
            .start();
    InetSocketAddress address = (InetSocketAddress) server.getListenSockets().get(0);
    // A 16 KiB HTTP/2 window, so a slow reader pushes back on the server within a few KB.
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(address).usePlaintext().flowControlWindow(16 * 1024).build();
    try {
      writeLines(HISTORY, false);
      out.say(
          "log service on 127.0.0.1:%d; %,d lines of history from %d services, stored in %s",
          address.getPort(), HISTORY, SERVICES.length, store);
      catchUpThenLive(out, channel, registry);
      slowReaders(out, channel, service);
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
      registry.close();
      channel.awaitTermination(5, TimeUnit.SECONDS);
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  // ---- part 1 ----

  private void catchUpThenLive(Console out, ManagedChannel channel, StreamRegistry registry)
      throws InterruptedException {
    out.stream().println();
    out.say("A subscriber asks for billing's WARN and above, from sequence 1:");
    Subscriber a = new Subscriber(channel, Delivery.CATCH_UP, ReceiverSettings.defaults());
    a.request(new LogRequest(1, LogLevel.WARN, "billing"));
    List<Long> expectedHistory = expected(1, LogLevel.WARN, "billing");
    List<LogMessage> history = a.readLines(expectedHistory.size());
    long lastHistorySeq = log.lastSequence();

    writeLines(LIVE, false); // the application keeps logging: these arrive live
    List<Long> expectedAll = expected(1, LogLevel.WARN, "billing");
    List<LogMessage> live = a.readLines(expectedAll.size() - history.size());
    List<StreamInfo> streams = registry.snapshot();
    a.cancel();

    LogMessage lastOld = history.get(history.size() - 1);
    LogMessage firstNew = live.get(0);
    out.ok(
        "catch-up: %,d lines from history (seq 1 … %,d), %d checkpoints while filtering",
        history.size(), lastHistorySeq, a.checkpoints);
    out.ok("live: %,d more as the application wrote them", live.size());
    out.field("last from history", describe(lastOld));
    out.field("first live", describe(firstNew));
    List<Long> got = new ArrayList<>();
    history.forEach(m -> got.add(m.sequence()));
    live.forEach(m -> got.add(m.sequence()));
    if (got.equals(expectedAll)) {
      out.ok(
          "no gap, no duplicate: %,d lines = exactly billing's WARN+ lines of seq 1 … %,d",
          got.size(), log.lastSequence());
    } else {
      out.expected("MISMATCH: got %,d lines, expected %,d", got.size(), expectedAll.size());
    }
    for (StreamInfo s : streams) {
      out.field(
          "stream registry",
          String.format(
              Locale.ROOT,
              "#%d %s · %s · %d in / %,d out · %,d bytes out",
              s.id(),
              s.method(),
              s.state(),
              s.messagesIn(),
              s.messagesOut(),
              s.bytesOut()));
    }
  }

  // ---- part 2 ----

  private void slowReaders(Console out, ManagedChannel channel, LogStreamService service)
      throws InterruptedException {
    ExecutorService reader = Executors.newSingleThreadExecutor();
    try {
      slowReaders(out, channel, service, reader);
    } finally {
      reader.shutdownNow();
      reader.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private void slowReaders(
      Console out, ManagedChannel channel, LogStreamService service, ExecutorService reader)
      throws InterruptedException {
    out.stream().println();
    out.say(
        "A slow subscriber (one line per %d µs) meets a burst of %,d lines, in each delivery mode:",
        TimeUnit.NANOSECONDS.toMicros(SLOW_READ_NANOS), BURST);
    out.say(
        "%-22s %9s %9s %10s %11s %16s",
        "delivery", "received", "dropped", "fell back", "ERROR kept", "app's appends");
    // Sessions of earlier subscribers may still be closing: only newer ones are this part's.
    long lastSession = 0;
    for (LogStreamService.SessionStats earlier : service.sessions()) {
      lastSession = Math.max(lastSession, earlier.id());
    }
    List<String> losslessShortfalls = new ArrayList<>();
    for (Delivery delivery : Delivery.values()) {
      Subscriber s =
          new Subscriber(
              channel,
              delivery,
              ReceiverSettings.newBuilder().initialWindow(8).maxWindow(8).adaptive(false).build());
      s.request(new LogRequest(0, LogLevel.DEBUG, ""));
      LogStreamService.SessionStats session = awaitLive(service, lastSession);
      lastSession = session.id();
      long firstBurstSeq = log.lastSequence() + 1;
      long endMarker = firstBurstSeq + BURST - 1;
      // The slow reader runs on its own thread while the application writes the burst.
      CompletableFuture<int[]> reading =
          CompletableFuture.supplyAsync(
              () -> {
                int[] counts = new int[2]; // received, of which ERROR
                for (LogMessage m; (m = s.nextLine()) != null; ) {
                  counts[0]++;
                  counts[1] += m.level() == LogLevel.ERROR ? 1 : 0;
                  LockSupport.parkNanos(SLOW_READ_NANOS);
                  if (m.sequence() == endMarker) {
                    break;
                  }
                }
                return counts;
              },
              reader);
      long start = System.nanoTime();
      writeLines(BURST - 1, false);
      writeLines(1, true); // an ERROR line closes the burst
      long appendMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      int errorsWritten = 0;
      for (Event<LogLine> e : log.store().read(firstBurstSeq, BURST)) {
        if (e.payload().level() == LogLevel.ERROR) {
          errorsWritten++;
        }
      }
      int[] counts;
      try {
        counts = reading.get(60, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("the slow reader failed", e);
      }
      int received = counts[0];
      int errorsReceived = counts[1];
      LogStreamService.SessionStats stats = stats(service, session.id());
      s.cancel();
      out.say(
          "%-22s %,9d %,9d %10s %10.0f%% %,13d ms%s",
          delivery.name().toLowerCase(Locale.ROOT),
          received,
          stats.sender().dropped(),
          delivery == Delivery.CATCH_UP ? stats.subscription().fallbacks() + "×" : "-",
          100.0 * errorsReceived / Math.max(1, errorsWritten),
          appendMillis,
          // Over the shared JDBC store the log's tail hands lines over: BLOCK makes the tail,
          // not the application's appends, wait for the reader.
          delivery == Delivery.BLOCK ? "  ← the log's tail waited, not the appends" : "");
      boolean lossless = delivery == Delivery.CATCH_UP || delivery == Delivery.BLOCK;
      if (lossless && received != BURST) {
        losslessShortfalls.add(
            String.format(
                Locale.ROOT,
                "%s received %,d of %,d (%,d dropped)",
                delivery.name().toLowerCase(Locale.ROOT),
                received,
                BURST,
                stats.sender().dropped()));
      }
    }
    if (losslessShortfalls.isEmpty()) {
      out.ok("lossless modes delivered every line; lossy ones dropped, counted, kept what matters");
    } else {
      out.say(
          "lossless modes did NOT deliver every line: %s (block drops a line whose wait exceeds"
              + " 2 s); lossy ones dropped, counted, kept what matters",
          String.join("; ", losslessShortfalls));
    }
  }

  /** Waits until a session newer than {@code after} follows the log live. */
  private LogStreamService.SessionStats awaitLive(LogStreamService service, long after)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      LogStreamService.SessionStats newest = null;
      for (LogStreamService.SessionStats s : service.sessions()) {
        if (newest == null || s.id() > newest.id()) {
          newest = s;
        }
      }
      if (newest != null
          && newest.id() > after
          && newest.subscription() != null
          && newest.subscription().live()) {
        return newest;
      }
      Thread.sleep(1); // polling a condition with a deadline
    }
    throw new IllegalStateException("the subscription did not go live within 10 s");
  }

  private static LogStreamService.SessionStats stats(LogStreamService service, long id) {
    for (LogStreamService.SessionStats s : service.sessions()) {
      if (s.id() == id) {
        return s;
      }
    }
    throw new IllegalStateException("session " + id + " is gone");
  }

  // ---- the application and its clients ----

  /** Writes lines as the application would. */
  private void writeLines(int count, boolean endMarker) {
    for (int i = 0; i < count; i++) {
      String service = SERVICES[random.nextInt(SERVICES.length)];
      int roll = random.nextInt(100);
      LogLevel level =
          endMarker
              ? LogLevel.ERROR
              : roll < 50
                  ? LogLevel.DEBUG
                  : roll < 80 ? LogLevel.INFO : roll < 95 ? LogLevel.WARN : LogLevel.ERROR;
      String text = endMarker ? "end of burst" : message(service, level, log.lastSequence() + 1);
      log.append(new LogLine(service, level, text));
    }
  }

  private static String message(String service, LogLevel level, long seq) {
    return switch (level) {
      case DEBUG -> "cache lookup " + seq;
      case INFO -> "request " + seq + " served";
      case WARN -> "slow " + service + " call (" + (200 + seq % 800) + " ms)";
      case ERROR -> "request " + seq + " failed: upstream unavailable";
    };
  }

  private List<Long> expected(long from, LogLevel min, String service) {
    List<Long> result = new ArrayList<>();
    for (Event<LogLine> e : log.store().read(from, Integer.MAX_VALUE)) {
      if (e.payload().level().compareTo(min) >= 0 && e.payload().service().equals(service)) {
        result.add(e.sequence());
      }
    }
    return result;
  }

  private static String describe(LogMessage m) {
    return String.format(
        Locale.ROOT, "#%,d %-5s %-7s %s", m.sequence(), m.level(), m.service(), m.text());
  }

  /** A client of StreamLogs reading through a bounded, blocking receiver. */
  private static final class Subscriber {
    final StreamReceiver<LogMessage> receiver;
    final StreamObserver<LogRequest> requests;
    int checkpoints;

    Subscriber(ManagedChannel channel, Delivery delivery, ReceiverSettings settings) {
      Metadata headers = new Metadata();
      headers.put(LogStreamApi.DELIVERY, delivery.name().toLowerCase(Locale.ROOT));
      RpcClient client =
          RpcClient.create(channel)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      receiver = StreamReceiver.forClient(settings);
      requests = client.bidiStreaming(LogStreamApi.STREAM_LOGS, receiver.clientObserver());
    }

    void request(LogRequest request) {
      requests.onNext(request);
    }

    /** The next line (checkpoints counted and skipped), or null at the end of the stream. */
    LogMessage nextLine() {
      for (LogMessage m; (m = receiver.poll(Duration.ofSeconds(20))) != null; ) {
        if (m.kind() == LogMessage.Kind.CHECKPOINT) {
          checkpoints++;
        } else {
          return m;
        }
      }
      return null;
    }

    List<LogMessage> readLines(int count) {
      List<LogMessage> lines = new ArrayList<>(count);
      while (lines.size() < count) {
        LogMessage m = nextLine();
        if (m == null) {
          throw new IllegalStateException("stream ended after " + lines.size() + " lines");
        }
        lines.add(m);
      }
      return lines;
    }

    void cancel() {
      receiver.cancel("demo subscriber done");
    }
  }
}
