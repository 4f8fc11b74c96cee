package io.switchboard.benchmarks.stream;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.switchboard.benchmarks.ByteArrayMarshaller;
import io.switchboard.stream.CatchUpSubscription;
import io.switchboard.stream.Event;
import io.switchboard.stream.EventLog;
import io.switchboard.stream.FlowControlledSender;
import io.switchboard.stream.OverflowStrategy;
import io.switchboard.stream.SenderSettings;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
 * Streaming module against its baselines, server-streaming 1,000,000 32-byte messages over real
 * Netty on loopback to a consumer that reads as fast as it can; each operation is one whole stream,
 * so a score is seconds per stream and throughput ratio = baseline time / our time.
 *
 * <ul>
 *   <li>{@code scenario=fast}: {@link FlowControlledSender} (BLOCK, default bounds) against a raw
 *       {@code onNext} loop that ignores {@code isReady} (target: throughput ratio &ge; 0.9).
 *   <li>{@code scenario=replay}: a {@link CatchUpSubscription} replaying a stored history of the
 *       same messages from sequence 1 against the raw loop streaming them from a list (target: &ge;
 *       0.8).
 * </ul>
 *
 * <p>After the JMH run, {@link #main} repeats both comparisons interleaved (ours and the baseline
 * alternating stream by stream, who goes first alternating too, garbage collected before each,
 * medians of 8), which holds up better than JMH's one-after-the-other runs when the machine is
 * shared, and then measures retained memory with a consumer that reads nothing: the server's heap +
 * direct memory after producing N messages, for the raw loop and for the sender (DROP_OLDEST,
 * default bound of 1,024 messages), at growing N.
 *
 * <p>Run it (a few minutes; ratios and the memory table are printed at the end):
 *
 * <pre>
 * mvn -B -q -ntp -pl benchmarks package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.switchboard.benchmarks.stream.StreamingBenchmark
 * </pre>
 *
 * JMH options may follow, e.g. {@code -p scenario=fast -i 3}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(
    value = 1,
    jvmArgs = {"-Xms1g", "-Xmx1g"})
public class StreamingBenchmark {
  static final int MESSAGE_BYTES = 32;

  private static final java.util.logging.Logger NETTY_LOG =
      java.util.logging.Logger.getLogger("io.grpc.netty");

  static final MethodDescriptor.Marshaller<byte[]> BYTES = ByteArrayMarshaller.INSTANCE;

  static final MethodDescriptor<byte[], byte[]> RAW = method("Raw");
  static final MethodDescriptor<byte[], byte[]> SENDER = method("Sender");
  static final MethodDescriptor<byte[], byte[]> REPLAY = method("Replay");
  static final MethodDescriptor<byte[], byte[]> LIST = method("List");
  static final MethodDescriptor<byte[], byte[]> DROPPING = method("Dropping");

  @Param({"fast", "replay"})
  public String scenario;

  @Param({"1000000"})
  public int messages;

  private Backend backend;

  private static MethodDescriptor<byte[], byte[]> method(String name) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("bench.Stream", name))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  /** A loopback server with every variant, a channel to it, and the stored history. */
  static final class Backend implements AutoCloseable {
    final ExecutorService producers = Executors.newCachedThreadPool();
    final ExecutorService replayExecutor = Executors.newSingleThreadExecutor();
    final EventLog<byte[]> log;
    final List<byte[]> history;
    final Server server;
    final ManagedChannel channel;

    Backend(int storedEvents) throws IOException {
      log = EventLog.inMemory(Math.max(1, storedEvents));
      byte[] payload = new byte[MESSAGE_BYTES];
      for (int i = 0; i < storedEvents; i++) {
        log.append(payload);
      }
      history = new ArrayList<>(storedEvents);
      for (Event<byte[]> e : log.store().read(1, storedEvents)) {
        history.add(e.payload());
      }
      ServerServiceDefinition service =
          ServerServiceDefinition.builder(
                  ServiceDescriptor.newBuilder("bench.Stream")
                      .addMethod(RAW)
                      .addMethod(SENDER)
                      .addMethod(REPLAY)
                      .addMethod(LIST)
                      .addMethod(DROPPING)
                      .build())
              .addMethod(RAW, ServerCalls.asyncServerStreamingCall(this::raw))
              .addMethod(SENDER, ServerCalls.asyncServerStreamingCall(this::sender))
              .addMethod(REPLAY, ServerCalls.asyncServerStreamingCall(this::replay))
              .addMethod(LIST, ServerCalls.asyncServerStreamingCall(this::list))
              .addMethod(DROPPING, ServerCalls.asyncServerStreamingCall(this::dropping))
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

    static int count(byte[] request) {
      return java.nio.ByteBuffer.wrap(request).getInt();
    }

    /** The baseline: onNext in a loop, ignoring isReady. */
    void raw(byte[] request, StreamObserver<byte[]> responses) {
      int n = count(request);
      byte[] payload = new byte[MESSAGE_BYTES];
      producers.execute(
          () -> {
            try {
              for (int i = 0; i < n; i++) {
                responses.onNext(payload);
              }
              responses.onCompleted();
            } catch (RuntimeException cancelled) {
              // The consumer went away.
            }
          });
    }

    /** Ours: the same loop through a FlowControlledSender. */
    void sender(byte[] request, StreamObserver<byte[]> responses) {
      int n = count(request);
      byte[] payload = new byte[MESSAGE_BYTES];
      FlowControlledSender<byte[]> sender =
          FlowControlledSender.create(
              (ServerCallStreamObserver<byte[]>) responses, SenderSettings.defaults());
      producers.execute(
          () -> {
            for (int i = 0; i < n && sender.send(payload); i++) {}
            sender.complete();
          });
    }

    /** Ours, bounded and never blocking: for the retained-memory comparison. */
    void dropping(byte[] request, StreamObserver<byte[]> responses) {
      int n = count(request);
      byte[] payload = new byte[MESSAGE_BYTES];
      FlowControlledSender<byte[]> sender =
          FlowControlledSender.create(
              (ServerCallStreamObserver<byte[]>) responses,
              SenderSettings.newBuilder().overflowStrategy(OverflowStrategy.DROP_OLDEST).build());
      producers.execute(
          () -> {
            for (int i = 0; i < n; i++) {
              sender.send(payload);
            }
            sender.complete();
          });
    }

    /** Ours: replay the stored history from sequence 1 (the client cancels once it has all). */
    void replay(byte[] request, StreamObserver<byte[]> responses) {
      FlowControlledSender<byte[]> sender =
          FlowControlledSender.create(
              (ServerCallStreamObserver<byte[]>) responses, SenderSettings.defaults());
      CatchUpSubscription.newBuilder(log, sender, Event::payload)
          .fromSequence(1)
          .executor(replayExecutor)
          .start();
    }

    /** The replay baseline: the same messages streamed from a list with the raw loop. */
    void list(byte[] request, StreamObserver<byte[]> responses) {
      int n = count(request);
      producers.execute(
          () -> {
            try {
              for (int i = 0; i < n; i++) {
                responses.onNext(history.get(i));
              }
              responses.onCompleted();
            } catch (RuntimeException cancelled) {
              // The consumer went away.
            }
          });
    }

    /** Streams {@code n} messages to a consumer that reads as fast as it can. */
    void consume(MethodDescriptor<byte[], byte[]> method, int n) throws InterruptedException {
      byte[] request = java.nio.ByteBuffer.allocate(4).putInt(n).array();
      StreamReads.readAll(channel, method, request, n, method == REPLAY, Duration.ofMinutes(5));
    }

    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow();
      server.shutdownNow();
      producers.shutdownNow();
      replayExecutor.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
      server.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    backend = new Backend(scenario.equals("replay") ? messages : 0);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    backend.close();
  }

  /** Ours: the sender (fast) or the catch-up replay (replay). */
  @Benchmark
  public void ours() throws InterruptedException {
    backend.consume(scenario.equals("fast") ? SENDER : REPLAY, messages);
  }

  /** The baseline: the raw onNext loop, from a producer (fast) or from the stored list (replay). */
  @Benchmark
  public void baseline() throws InterruptedException {
    backend.consume(scenario.equals("fast") ? RAW : LIST, messages);
  }

  /**
   * Runs the benchmarks with JMH's command-line options, prints the throughput ratios, then the
   * retained-memory comparison.
   */
  public static void main(String[] args) throws Exception {
    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder()
                    .parent(new CommandLineOptions(args))
                    .include(StreamingBenchmark.class.getName() + "\\.")
                    .build())
            .run();
    Map<String, double[]> byScenario = new TreeMap<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      String method = label.substring(label.lastIndexOf('.') + 1);
      double[] pair =
          byScenario.computeIfAbsent(r.getParams().getParam("scenario"), k -> new double[2]);
      pair[method.equals("ours") ? 0 : 1] = r.getPrimaryResult().getScore();
    }
    System.out.println();
    for (Map.Entry<String, double[]> e : byScenario.entrySet()) {
      double ours = e.getValue()[0];
      double baseline = e.getValue()[1];
      System.out.printf(
          Locale.ROOT,
          "scenario=%-7s ours %.0f ms, baseline %.0f ms per stream: throughput ratio ours/baseline"
              + " = %.2f%n",
          e.getKey(),
          ours,
          baseline,
          baseline / ours);
    }
    interleaved();
    retainedMemory();
  }

  /**
   * JMH measures each method in its own stretch of time; on a machine shared with other work the
   * load can change between them. This check alternates ours and the baseline stream by stream and
   * compares medians, so both see the same load.
   */
  static void interleaved() throws Exception {
    int rounds = 8;
    int n = 1_000_000;
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "interleaved check (%d rounds of ours/baseline alternating, medians):%n",
        rounds);
    try (Backend b = new Backend(n)) {
      for (String scenario : new String[] {"fast", "replay"}) {
        MethodDescriptor<byte[], byte[]> ours = scenario.equals("fast") ? SENDER : REPLAY;
        MethodDescriptor<byte[], byte[]> base = scenario.equals("fast") ? RAW : LIST;
        b.consume(ours, n); // warm-up
        b.consume(base, n);
        long[] oursNanos = new long[rounds];
        long[] baseNanos = new long[rounds];
        for (int i = 0; i < rounds; i++) {
          // Alternate who goes first, and collect the garbage of the previous stream before
          // timing the next, so neither pays for the other's GC debt.
          boolean oursFirst = i % 2 == 0;
          long first = timed(b, oursFirst ? ours : base, n);
          long second = timed(b, oursFirst ? base : ours, n);
          oursNanos[i] = oursFirst ? first : second;
          baseNanos[i] = oursFirst ? second : first;
        }
        java.util.Arrays.sort(oursNanos);
        java.util.Arrays.sort(baseNanos);
        double oursMs = (oursNanos[rounds / 2 - 1] + oursNanos[rounds / 2]) / 2e6;
        double baseMs = (baseNanos[rounds / 2 - 1] + baseNanos[rounds / 2]) / 2e6;
        System.out.printf(
            Locale.ROOT,
            "scenario=%-7s ours %.0f ms, baseline %.0f ms per stream: throughput ratio ours/baseline"
                + " = %.2f%n",
            scenario,
            oursMs,
            baseMs,
            baseMs / oursMs);
      }
    }
  }

  private static long timed(Backend b, MethodDescriptor<byte[], byte[]> method, int n)
      throws InterruptedException {
    System.gc();
    long start = System.nanoTime();
    b.consume(method, n);
    return System.nanoTime() - start;
  }

  /**
   * A consumer that reads nothing: after producing N messages, how much memory does the server
   * hold? The raw loop queues every message in grpc/Netty; the sender keeps its bound and drops.
   */
  static void retainedMemory() throws Exception {
    // Cancelling calls with queued writes makes Netty log "Stream closed before write": expected.
    NETTY_LOG.setLevel(java.util.logging.Level.SEVERE);
    System.out.println();
    System.out.println("retained memory with a consumer that reads nothing (heap + direct, MB):");
    int[] counts = {100_000, 200_000, 400_000, 800_000};
    double[] ours = new double[counts.length];
    double[] raw = new double[counts.length];
    try (Backend b = new Backend(0)) {
      long start = usedMemory();
      // Ours first: Netty's pooled allocator keeps chunks it once used, which would hide our
      // (small) figure after the raw loop's large ones. Every figure is against the same start.
      for (int i = 0; i < counts.length; i++) {
        ours[i] = retainedAfter(b, DROPPING, counts[i], start);
      }
      for (int i = 0; i < counts.length; i++) {
        raw[i] = retainedAfter(b, RAW, counts[i], start);
      }
    }
    System.out.printf(Locale.ROOT, "  %10s %12s %12s%n", "messages", "raw onNext", "sender");
    for (int i = 0; i < counts.length; i++) {
      System.out.printf(Locale.ROOT, "  %,10d %12.1f %12.1f%n", counts[i], raw[i], ours[i]);
    }
  }

  private static double retainedAfter(
      Backend b, MethodDescriptor<byte[], byte[]> method, int n, long start)
      throws InterruptedException {
    ClientCall<byte[], byte[]> call = b.channel.newCall(method, CallOptions.DEFAULT);
    CountDownLatch closed = new CountDownLatch(1);
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.countDown();
          }
        },
        new Metadata());
    // No request(): the client reads nothing, so the server's transport stops being ready.
    call.sendMessage(java.nio.ByteBuffer.allocate(4).putInt(n).array());
    call.halfClose();
    // Let the producer finish and the server's event loop take what was queued.
    long previous = -1;
    long used = usedMemory();
    for (int i = 0; i < 50 && Math.abs(used - previous) > (1 << 20); i++) {
      Thread.sleep(200); // settling: memory stops changing once the producer is done
      previous = used;
      used = usedMemory();
    }
    double retained = Math.max(0, used - start) / (1024.0 * 1024.0);
    call.cancel("measured", null);
    closed.await(30, TimeUnit.SECONDS);
    Thread.sleep(200);
    return retained;
  }

  private static long usedMemory() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    long direct = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        direct = pool.getMemoryUsed();
      }
    }
    return heap + direct;
  }
}
