package io.switchboard.benchmarks.stream;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.switchboard.benchmarks.ByteArrayMarshaller;
import io.switchboard.stream.CatchUpSubscription;
import io.switchboard.stream.Event;
import io.switchboard.stream.EventLog;
import io.switchboard.stream.EventStore;
import io.switchboard.stream.FlowControlledSender;
import io.switchboard.stream.SenderSettings;
import io.switchboard.stream.jdbc.JdbcEventStore;
import io.switchboard.stream.kafka.EmbeddedKafkaBroker;
import io.switchboard.stream.kafka.KafkaEventStore;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.h2.jdbcx.JdbcConnectionPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The durable event stores against the in-memory one, in the same run: {@code ours} is an {@link
 * EventLog} over {@link JdbcEventStore} on H2 (in memory, the demo's database) or over {@link
 * KafkaEventStore} on a real broker (KRaft, started by the benchmark in a child JVM); {@code
 * baseline} is {@link EventLog#inMemory}. Each operation is one whole unit of work, so a score is
 * milliseconds per operation and the printed throughput ratio is baseline time / our time.
 *
 * <ul>
 *   <li>{@code scenario=replay}: a {@link CatchUpSubscription} replays {@code events} (1,000,000)
 *       stored 32-byte events from sequence 1 over Netty on loopback to a client that reads as fast
 *       as it can (targets: H2 &ge; 0.5, Kafka &ge; 0.5). The stores are filled before the
 *       measurement (in bulk: rows inserted in batches, records produced in batches).
 *   <li>{@code scenario=append-1}, {@code append-3}: 1 or 3 threads append 32-byte events through
 *       the log, {@value #H2_APPENDS} per operation on H2, {@value #KAFKA_APPENDS} on Kafka (each
 *       append returns once the store has it: a committed row, an acknowledged record).
 * </ul>
 *
 * <p>After the JMH run, {@link #main} repeats the replay comparison interleaved (durable and
 * in-memory alternating replay by replay, medians of 6), which holds up better than JMH's
 * one-after-the-other trials when the machine is shared.
 *
 * <p>Run it (about 15 minutes; the ratios and append rates are printed at the end):
 *
 * <pre>
 * mvn -B -q -ntp -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.switchboard.benchmarks.stream.EventStoreBenchmark
 * </pre>
 *
 * JMH options may follow, e.g. {@code -p store=h2 -p scenario=replay -i 3}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 4)
@Fork(
    value = 1,
    jvmArgs = {"-Xms2g", "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class EventStoreBenchmark {
  static final int EVENT_BYTES = 32;
  static final int H2_APPENDS = 6_000;
  static final int KAFKA_APPENDS = 3_000;

  static final MethodDescriptor<byte[], byte[]> REPLAY =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("bench.Log", "Replay"))
          .setRequestMarshaller(ByteArrayMarshaller.INSTANCE)
          .setResponseMarshaller(ByteArrayMarshaller.INSTANCE)
          .build();

  @Param({"h2", "kafka"})
  public String store;

  @Param({"replay", "append-1", "append-3"})
  public String scenario;

  @Param({"1000000"})
  public int events;

  private final List<AutoCloseable> opened = new ArrayList<>();
  private Backend ours;
  private Backend baseline;
  private ExecutorService appenders;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    boolean replay = scenario.equals("replay");
    int stored = replay ? events : 0;
    EventLog<byte[]> memory = EventLog.inMemory(Math.max(events, 100_000));
    byte[] payload = new byte[EVENT_BYTES];
    for (int i = 0; i < stored; i++) {
      memory.append(payload);
    }
    baseline = closeLater(new Backend(memory));
    ours = closeLater(new Backend(EventLog.over(store.equals("h2") ? h2(stored) : kafka(stored))));
    appenders = Executors.newFixedThreadPool(3);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    appenders.shutdownNow();
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    opened.clear();
  }

  /** The durable store: the replay, or the appends. */
  @Benchmark
  public void ours() throws Exception {
    run(ours);
  }

  /** The in-memory store, the same work. */
  @Benchmark
  public void baseline() throws Exception {
    run(baseline);
  }

  private void run(Backend backend) throws Exception {
    if (scenario.equals("replay")) {
      backend.replay(events);
    } else {
      int threads = scenario.equals("append-3") ? 3 : 1;
      backend.append(appendsPerOp() / threads, threads, appenders);
    }
  }

  private int appendsPerOp() {
    return store.equals("h2") ? H2_APPENDS : KAFKA_APPENDS;
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    opened.add(resource);
    return resource;
  }

  /** A JDBC store on a new in-memory H2 database, with {@code stored} events inserted in bulk. */
  private EventStore<byte[]> h2(int stored) throws Exception {
    JdbcConnectionPool db =
        JdbcConnectionPool.create(
            "jdbc:h2:mem:event-store-bench-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
    closeLater(db::dispose);
    JdbcEventStore<byte[]> s =
        closeLater(
            JdbcEventStore.newBuilder(db, ByteArrayMarshaller.INSTANCE).logName("bench").build());
    if (stored > 0) {
      try (Connection c = db.getConnection()) {
        c.setAutoCommit(false);
        long now = System.currentTimeMillis() * 1_000_000L;
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO sb_events (log_name, sequence, time_nanos, payload)"
                    + " VALUES ('bench', ?, ?, ?)")) {
          byte[] payload = new byte[EVENT_BYTES];
          for (int i = 1; i <= stored; i++) {
            ps.setLong(1, i);
            ps.setLong(2, now);
            ps.setBytes(3, payload);
            ps.addBatch();
            if (i % 10_000 == 0) {
              ps.executeBatch();
              c.commit();
            }
          }
          ps.executeBatch();
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "UPDATE sb_event_logs SET last_sequence = ?, last_time_nanos = ?"
                    + " WHERE log_name = 'bench'")) {
          ps.setLong(1, stored);
          ps.setLong(2, now);
          ps.executeUpdate();
        }
        c.commit();
      }
    }
    check(s, stored);
    return s;
  }

  /** A Kafka store on a broker of its own, with {@code stored} records produced in batches. */
  private EventStore<byte[]> kafka(int stored) throws Exception {
    EmbeddedKafkaBroker broker = closeLater(EmbeddedKafkaBroker.start());
    KafkaEventStore<byte[]> s =
        closeLater(
            KafkaEventStore.newBuilder(
                    broker.bootstrapServers(), "bench", ByteArrayMarshaller.INSTANCE)
                .build());
    if (stored > 0) {
      try (KafkaProducer<byte[], byte[]> bulk =
          new KafkaProducer<>(
              Map.of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  broker.bootstrapServers(),
                  ProducerConfig.LINGER_MS_CONFIG,
                  20,
                  ProducerConfig.BATCH_SIZE_CONFIG,
                  1 << 20),
              new ByteArraySerializer(),
              new ByteArraySerializer())) {
        byte[] payload = new byte[EVENT_BYTES];
        for (int i = 0; i < stored; i++) {
          bulk.send(new ProducerRecord<>("bench", 0, null, payload));
        }
        bulk.flush();
      }
    }
    check(s, stored);
    return s;
  }

  private static void check(EventStore<byte[]> s, int stored) {
    if (s.lastSequence() != stored || s.firstSequence() != 1) {
      throw new IllegalStateException(
          s + " holds " + s.firstSequence() + ".." + s.lastSequence() + ", expected 1.." + stored);
    }
  }

  /** A log, a loopback server replaying it, and a channel to the server. */
  static final class Backend implements AutoCloseable {
    final EventLog<byte[]> log;
    final ExecutorService replayExecutor = Executors.newSingleThreadExecutor();
    final Server server;
    final ManagedChannel channel;
    final byte[] payload = new byte[EVENT_BYTES];

    Backend(EventLog<byte[]> log) throws Exception {
      this.log = log;
      ServerServiceDefinition service =
          ServerServiceDefinition.builder(
                  ServiceDescriptor.newBuilder("bench.Log").addMethod(REPLAY).build())
              .addMethod(REPLAY, ServerCalls.asyncServerStreamingCall(this::replay))
              .build();
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .addService(service)
              .build()
              .start();
      channel =
          NettyChannelBuilder.forAddress((InetSocketAddress) server.getListenSockets().get(0))
              .usePlaintext()
              .build();
    }

    /** The server side: a subscription from sequence 1 with the default settings. */
    void replay(byte[] request, StreamObserver<byte[]> responses) {
      FlowControlledSender<byte[]> sender =
          FlowControlledSender.create(
              (ServerCallStreamObserver<byte[]>) responses, SenderSettings.defaults());
      CatchUpSubscription.newBuilder(log, sender, Event::payload)
          .fromSequence(1)
          .executor(replayExecutor)
          .start();
    }

    /** Replays {@code n} events to a client that reads as fast as it can. */
    void replay(int n) throws InterruptedException {
      StreamReads.readAll(channel, REPLAY, new byte[0], n, true, Duration.ofMinutes(10));
    }

    /** {@code threads} threads append {@code each} events each, concurrently. */
    void append(int each, int threads, ExecutorService pool) throws Exception {
      List<Future<?>> running = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        running.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < each; i++) {
                    log.append(payload);
                  }
                }));
      }
      for (Future<?> f : running) {
        f.get(10, TimeUnit.MINUTES);
      }
    }

    @Override
    public void close() throws InterruptedException {
      log.close();
      channel.shutdownNow();
      server.shutdownNow();
      replayExecutor.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
      server.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** Runs the benchmarks with JMH's command-line options, then prints ratios and append rates. */
  public static void main(String[] args) throws Exception {
    // The interleaved check runs here, with Kafka clients: their INFO logging would drown it.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder()
                    .parent(new CommandLineOptions(args))
                    .include(EventStoreBenchmark.class.getName() + "\\.")
                    .build())
            .run();
    Map<String, double[]> pairs = new TreeMap<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      String method = label.substring(label.lastIndexOf('.') + 1);
      String key = r.getParams().getParam("store") + " " + r.getParams().getParam("scenario");
      double[] pair = pairs.computeIfAbsent(key, k -> new double[2]);
      pair[method.equals("ours") ? 0 : 1] = r.getPrimaryResult().getScore();
    }
    System.out.println();
    System.out.println("throughput ratio ours/baseline (baseline ms / our ms per operation):");
    for (Map.Entry<String, double[]> e : pairs.entrySet()) {
      double oursMs = e.getValue()[0];
      double baseMs = e.getValue()[1];
      String rates = "";
      if (e.getKey().contains("append")) {
        int perOp = e.getKey().startsWith("h2") ? H2_APPENDS : KAFKA_APPENDS;
        rates =
            String.format(
                Locale.ROOT,
                " (%,.0f vs %,.0f appends/s)",
                perOp / (oursMs / 1000),
                perOp / (baseMs / 1000));
      }
      System.out.printf(
          Locale.ROOT,
          "  %-16s ours %,10.1f ms, in-memory %,10.1f ms: ratio = %.3f%s%n",
          e.getKey(),
          oursMs,
          baseMs,
          baseMs / oursMs,
          rates);
    }
    interleavedReplay(args.length == 0 ? 6 : 0);
  }

  /**
   * JMH measures each trial in its own stretch of time; on a machine shared with other work the
   * load changes between them. This check replays from each durable store and from the in-memory
   * one alternately, replay by replay (who goes first alternating, garbage collected before each),
   * and compares medians, so both see the same load. Skipped when JMH options are given.
   */
  static void interleavedReplay(int rounds) throws Exception {
    if (rounds == 0) {
      return;
    }
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "interleaved replay check (%d rounds of durable/in-memory alternating, medians):%n",
        rounds);
    for (String store : new String[] {"h2", "kafka"}) {
      EventStoreBenchmark b = new EventStoreBenchmark();
      b.store = store;
      b.scenario = "replay";
      b.events = 1_000_000;
      b.setUp();
      try {
        b.ours.replay(b.events); // warm-up
        b.baseline.replay(b.events);
        long[] ours = new long[rounds];
        long[] base = new long[rounds];
        for (int i = 0; i < rounds; i++) {
          boolean oursFirst = i % 2 == 0;
          long first = timedReplay(oursFirst ? b.ours : b.baseline, b.events);
          long second = timedReplay(oursFirst ? b.baseline : b.ours, b.events);
          ours[i] = oursFirst ? first : second;
          base[i] = oursFirst ? second : first;
        }
        double oursMs = median(ours) / 1e6;
        double baseMs = median(base) / 1e6;
        System.out.printf(
            Locale.ROOT,
            "  %-16s ours %,10.1f ms, in-memory %,10.1f ms: ratio = %.3f%n",
            store + " replay",
            oursMs,
            baseMs,
            baseMs / oursMs);
      } finally {
        b.tearDown();
      }
    }
  }

  private static long timedReplay(Backend backend, int events) throws InterruptedException {
    System.gc();
    long start = System.nanoTime();
    backend.replay(events);
    return System.nanoTime() - start;
  }

  private static double median(long[] values) {
    long[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }
}
