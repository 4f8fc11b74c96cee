package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.core.metrics.MetricSink;
import io.switchboard.metrics.micrometer.MicrometerMetrics;
import io.switchboard.metrics.opentelemetry.OpenTelemetryMetrics;
import io.switchboard.testing.Await;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestMarshallers;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The streaming instruments after real streams over Netty with a client that does not read. */
class StreamMetricsTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  static final ServiceSpec SERVICE = ServiceSpec.named("test.Streams");
  static final MethodSpec<String, byte[]> FLOOD =
      SERVICE.serverStreaming("Flood", TestMarshallers.utf8(), TestMarshallers.bytes());
  static final MethodSpec<String, byte[]> IDLE =
      SERVICE.serverStreaming("Idle", TestMarshallers.utf8(), TestMarshallers.bytes());
  static final MethodSpec<String, byte[]> REPLAY =
      SERVICE.serverStreaming("Replay", TestMarshallers.utf8(), TestMarshallers.bytes());
  static final int MESSAGE_BYTES = 64 * 1024; // one fills the client's flow-control window
  static final int BOUND = 8;
  static final int SENT = 200;

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  final InMemoryMetricReader reader = InMemoryMetricReader.create();
  final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder()
          .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
          .build();
  final AtomicReference<FlowControlledSender<byte[]>> sender = new AtomicReference<>();
  final CompletableFuture<Void> produced = new CompletableFuture<>();
  final EventLog<String> log = EventLog.inMemory(1000);
  MetricSink sink = OpenTelemetryMetrics.create(sdk);

  @AfterEach
  void closeSdk() {
    sdk.close();
  }

  /** Sends SENT messages at once: past the bound, the strategy in the request decides. */
  void flood(String strategy, io.grpc.stub.StreamObserver<byte[]> responses) {
    FlowControlledSender<byte[]> s =
        FlowControlledSender.create(
            (ServerCallStreamObserver<byte[]>) responses,
            SenderSettings.<byte[]>newBuilder()
                .maxBufferedMessages(BOUND)
                .sizeFunction(b -> b.length)
                .overflowStrategy(OverflowStrategy.valueOf(strategy))
                .blockTimeout(Duration.ofMillis(20))
                .metrics(sink)
                .build());
    sender.set(s);
    for (int i = 0; i < SENT; i++) {
      s.send(new byte[MESSAGE_BYTES]);
    }
    s.complete();
    produced.complete(null);
  }

  void replay(String request, io.grpc.stub.StreamObserver<byte[]> responses) {
    FlowControlledSender<byte[]> s =
        FlowControlledSender.create(
            (ServerCallStreamObserver<byte[]>) responses,
            SenderSettings.<byte[]>newBuilder().build());
    CatchUpSubscription.newBuilder(log, s, e -> new byte[MESSAGE_BYTES])
        .fromSequence(1)
        .pageSize(10)
        .metrics(sink)
        .start();
  }

  /** A channel whose flow-control window holds one message: the rest waits in the sender. */
  ManagedChannel channel(TestServer server) {
    return grpc.register(
        ((io.grpc.netty.NettyChannelBuilder) server.newChannelBuilder())
            .flowControlWindow(MESSAGE_BYTES)
            .usePlaintext()
            .build());
  }

  TestServer server(StreamRegistry registry) {
    return grpc.nettyServer(
        b ->
            b.addService(
                ServerInterceptors.intercept(
                    ServiceBinder.forService(SERVICE)
                        .serverStreaming(FLOOD, this::flood)
                        .serverStreaming(IDLE, (request, responses) -> {})
                        .serverStreaming(REPLAY, this::replay)
                        .build(),
                    registry.interceptor())));
  }

  /** A call that reads nothing until told: its request(n) is the test's. */
  static final class Stalled extends ClientCall.Listener<byte[]> {
    final AtomicInteger received = new AtomicInteger();
    final CompletableFuture<Status> closed = new CompletableFuture<>();

    @Override
    public void onMessage(byte[] message) {
      received.incrementAndGet();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      closed.complete(status);
    }
  }

  static ClientCall<String, byte[]> start(
      ManagedChannel channel, MethodSpec<String, byte[]> method, String request, Stalled listener) {
    ClientCall<String, byte[]> call = channel.newCall(method.descriptor(), CallOptions.DEFAULT);
    call.start(listener, new Metadata());
    call.sendMessage(request);
    call.halfClose();
    return call;
  }

  @Test
  void bufferedDroppedPeakAndWaitsFollowAStalledClient() throws Exception {
    StreamRegistry registry =
        grpc.register(StreamRegistry.newBuilder().name("api").metrics(sink).build());
    ManagedChannel channel = channel(server(registry));
    Stalled listener = new Stalled();
    ClientCall<String, byte[]> call = start(channel, FLOOD, "DROP_OLDEST", listener);
    produced.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);

    // The transport takes what the client's window allows; then the buffer holds still.
    Await.until(
        WAIT,
        () ->
            sum(reader.collectAllMetrics(), "switchboard.stream.buffered.messages", "DROP_OLDEST")
                == sender.get().stats().buffered(),
        () -> "the metric caught up with " + sender.get().stats());
    Collection<MetricData> all = reader.collectAllMetrics();
    SenderStats stats = sender.get().stats();
    assertThat(stats.buffered()).isBetween(BOUND - 2, BOUND);
    assertThat(sum(all, "switchboard.stream.buffered.bytes", "DROP_OLDEST"))
        .isEqualTo(stats.bufferedBytes());
    assertThat(sum(all, "switchboard.stream.dropped", "DROP_OLDEST"))
        .isEqualTo(stats.dropped())
        .isEqualTo(SENT - stats.buffered() - stats.sent());
    assertThat(sum(all, "switchboard.stream.registry.streams", null)).isEqualTo(1);

    call.request(SENT);
    assertThat(listener.closed.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).isOk())
        .isTrue();
    Await.until(
        WAIT,
        () ->
            sum(reader.collectAllMetrics(), "switchboard.stream.buffered.messages", "DROP_OLDEST")
                == 0,
        () -> "the buffer drained");
    HistogramPointData peak =
        find(reader.collectAllMetrics(), "switchboard.stream.buffered.messages.peak")
            .getHistogramData()
            .getPoints()
            .iterator()
            .next();
    assertThat(peak.getCount()).isEqualTo(1);
    assertThat(peak.getMax()).isEqualTo(BOUND);
    assertThat(peak.getMax()).isEqualTo(stats.peakBuffered());

    // BLOCK: the producer waits for room, then gives up after the block timeout.
    Stalled blocked = new Stalled();
    ClientCall<String, byte[]> blockedCall = start(channel, FLOOD, "BLOCK", blocked);
    CompletableFuture<Void> done = produced; // the same future: already complete; wait on stats
    Await.until(
        WAIT,
        () ->
            sum(reader.collectAllMetrics(), "switchboard.stream.sender.waits", "BLOCK") > 0
                && sum(reader.collectAllMetrics(), "switchboard.stream.dropped", "BLOCK") > 0,
        () -> "a BLOCK producer waited and timed out");
    assertThat(done).isDone();
    blockedCall.cancel("done", null);
  }

  @Test
  void registryCountsStreamsAndReapedAndCatchUpCountsReplayedEvents() throws Exception {
    StreamRegistry registry =
        grpc.register(
            StreamRegistry.newBuilder()
                .name("api")
                .idleTimeout(Duration.ofMillis(300))
                .metrics(sink)
                .build());
    ManagedChannel channel = channel(server(registry));
    Stalled idle = new Stalled();
    start(channel, IDLE, "x", idle);
    Await.until(
        WAIT,
        () -> sum(reader.collectAllMetrics(), "switchboard.stream.registry.streams", null) == 1,
        () -> "one stream tracked");
    assertThat(idle.closed.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
    // The reaper closes the call, then counts it: the client can see the close first.
    Await.until(
        WAIT,
        () -> sum(reader.collectAllMetrics(), "switchboard.stream.registry.reaped", null) == 1,
        () -> "one stream reaped");

    for (int i = 0; i < 50; i++) {
      log.append("event-" + i);
    }
    Stalled replaying = new Stalled();
    ClientCall<String, byte[]> call = start(channel, REPLAY, "x", replaying);
    // The client reads nothing yet: the replay stalls with most of the log still behind.
    Await.until(
        WAIT,
        () -> sum(reader.collectAllMetrics(), "switchboard.stream.catchup.lag", null) >= 30,
        () -> "the replay is at least 30 events behind");
    call.request(100);
    Await.until(WAIT, () -> replaying.received.get() == 50, () -> "50 events replayed");
    assertThat(sum(reader.collectAllMetrics(), "switchboard.stream.catchup.replayed", null))
        .isEqualTo(50);
    Await.until(
        WAIT,
        () -> sum(reader.collectAllMetrics(), "switchboard.stream.catchup.lag", null) == 0,
        () -> "no lag once live");
    Await.until(
        WAIT,
        () -> sum(reader.collectAllMetrics(), "switchboard.stream.catchup.caught_up", null) == 1,
        () -> "caught up once");
    assertThat(sum(reader.collectAllMetrics(), "switchboard.stream.catchup.fell_behind", null))
        .isZero();
    call.cancel("done", null);
  }

  @Test
  void micrometerSeesDrops() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    sink = MicrometerMetrics.create(registry);
    StreamRegistry streams = grpc.register(StreamRegistry.newBuilder().build());
    Stalled listener = new Stalled();
    ClientCall<String, byte[]> call =
        start(channel(server(streams)), FLOOD, "DROP_NEWEST", listener);
    produced.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    assertThat(
            registry
                .get("switchboard.stream.dropped")
                .tag("switchboard.stream.overflow", "DROP_NEWEST")
                .counter()
                .count())
        .isEqualTo(sender.get().stats().dropped())
        .isPositive();
    assertThat(registry.get("switchboard.stream.buffered.messages").gauge().value()).isPositive();
    call.cancel("done", null);
  }

  static MetricData find(Collection<MetricData> all, String name) {
    List<MetricData> found = all.stream().filter(m -> m.getName().equals(name)).toList();
    assertThat(found)
        .as("%s among %s", name, all.stream().map(MetricData::getName).sorted().toList())
        .hasSize(1);
    return found.get(0);
  }

  /** The sum of a long metric's points, those of one overflow strategy if given. */
  static long sum(Collection<MetricData> all, String name, String strategy) {
    return all.stream()
        .filter(m -> m.getName().equals(name))
        .flatMap(m -> m.getData().getPoints().stream())
        .filter(
            p ->
                strategy == null
                    || strategy.equals(
                        p.getAttributes()
                            .get(AttributeKey.stringKey("switchboard.stream.overflow"))))
        .mapToLong(p -> ((LongPointData) p).getValue())
        .sum();
  }
}
