package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Adaptive batching: singles while idle, batches under load, bounded and in order. */
class CoalescerTest {
  static final ServiceSpec SERVICE = ServiceSpec.named("test.Coalesce");
  static final MethodSpec<Req, Msg> BATCHES =
      SERVICE.serverStreaming("Batches", TestMessages.REQ, TestMessages.MSG);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  /** A batch as a message: producer = how many, seq = the first one's sequence. */
  static Msg batchOf(List<Msg> msgs) {
    for (int i = 1; i < msgs.size(); i++) {
      if (msgs.get(i).seq() != msgs.get(0).seq() + i) {
        throw new AssertionError("batch out of order: " + msgs);
      }
    }
    return new Msg(msgs.size(), msgs.get(0).seq(), 0, new byte[0]);
  }

  record Fixture(
      FakeCall<Msg> call, FlowControlledSender<Msg> sender, Coalescer<Msg, Msg> coalescer) {}

  private Fixture fixture(CoalescerSettings<Msg> settings) {
    ScheduledExecutorService scheduler =
        grpc.register(Executors.newSingleThreadScheduledExecutor());
    FakeCall<Msg> call = new FakeCall<>();
    FlowControlledSender<Msg> sender = FlowControlledSender.create(call, SenderSettings.defaults());
    return new Fixture(
        call, sender, Coalescer.create(sender, CoalescerTest::batchOf, settings, scheduler));
  }

  @Test
  void idleSendsSinglesAndBusyGathersBatches() throws Exception {
    Fixture f =
        fixture(
            CoalescerSettings.<Msg>newBuilder()
                .maxBatchMessages(10)
                .maxDelay(Duration.ofHours(1))
                .build());
    FakeCall<Msg> call = f.call();
    FlowControlledSender<Msg> sender = f.sender();
    Coalescer<Msg, Msg> coalescer = f.coalescer();
    coalescer.add(Msg.of(0, 0, 0, 0));
    coalescer.add(Msg.of(0, 1, 0, 0));
    assertThat(call.written).extracting(Msg::producer).containsExactly(1, 1); // idle: singles

    call.setReady(false);
    for (long i = 2; i < 27; i++) {
      coalescer.add(Msg.of(0, i, 0, 0));
    }
    // Full batches of 10 went to the sender's buffer; 5 wait in the coalescer.
    assertThat(sender.buffered()).isEqualTo(2);
    assertThat(coalescer.stats().pending()).isEqualTo(5);
    call.setReady(true);
    call.fireOnReady(); // drains the sender, which then asks the coalescer for the rest
    assertThat(call.written).extracting(Msg::producer).containsExactly(1, 1, 10, 10, 5);
    assertThat(call.written).extracting(Msg::seq).containsExactly(0L, 1L, 2L, 12L, 22L);
    CoalescerStats stats = coalescer.stats();
    assertThat(stats.messages()).isEqualTo(27);
    assertThat(stats.largestBatch()).isEqualTo(10);
    assertThat(stats.sentWhileIdle()).isEqualTo(3);
    assertThat(stats.sentFull()).isEqualTo(2);
  }

  @Test
  void maxDelayBoundsTheWaitWhileTheTransportIsBusy() throws Exception {
    Fixture f =
        fixture(CoalescerSettings.<Msg>newBuilder().maxDelay(Duration.ofMillis(20)).build());
    FakeCall<Msg> call = f.call();
    FlowControlledSender<Msg> sender = f.sender();
    Coalescer<Msg, Msg> coalescer = f.coalescer();
    call.setReady(false);
    coalescer.add(Msg.of(0, 0, 0, 0));
    coalescer.add(Msg.of(0, 1, 0, 0));
    Await.until(
        Duration.ofSeconds(10),
        () -> sender.buffered() > 0,
        () -> "the batch handed to the sender after the max delay: " + coalescer.stats());
    assertThat(coalescer.stats().sentAfterMaxDelay()).isEqualTo(1);
    assertThat(coalescer.stats().pending()).isZero();
  }

  @Test
  void byteBoundSplitsBatches() {
    Fixture f =
        fixture(
            CoalescerSettings.<Msg>newBuilder()
                .maxBatchBytes(100)
                .sizeFunction(Msg::size)
                .maxDelay(Duration.ofHours(1))
                .build());
    FakeCall<Msg> call = f.call();
    FlowControlledSender<Msg> sender = f.sender();
    Coalescer<Msg, Msg> coalescer = f.coalescer();
    call.setReady(false);
    for (long i = 0; i < 7; i++) {
      coalescer.add(Msg.of(0, i, 0, 24)); // 40 bytes: two per batch
    }
    assertThatThrownBy(() -> coalescer.add(Msg.of(0, 9, 0, 100)))
        .isInstanceOf(IllegalArgumentException.class);
    coalescer.flush();
    call.setReady(true);
    call.fireOnReady();
    assertThat(call.written).extracting(Msg::producer).containsExactly(2, 2, 2, 1);
  }

  @Test
  void overNettyBatchesGrowUnderLoadAndStayInOrder() throws Exception {
    ScheduledExecutorService scheduler =
        grpc.register(Executors.newSingleThreadScheduledExecutor());
    java.util.concurrent.ExecutorService producer =
        grpc.register(Executors.newSingleThreadExecutor());
    TestServer server =
        grpc.nettyServer(
            ServiceBinder.forService(SERVICE)
                .serverStreaming(
                    BATCHES,
                    (Req req, StreamObserver<Msg> responses) -> {
                      FlowControlledSender<Msg> sender =
                          FlowControlledSender.create(
                              (ServerCallStreamObserver<Msg>) responses,
                              SenderSettings.<Msg>newBuilder().maxBufferedMessages(8).build());
                      Coalescer<Msg, Msg> coalescer =
                          Coalescer.create(
                              sender,
                              CoalescerTest::batchOf,
                              CoalescerSettings.<Msg>newBuilder().maxBatchMessages(500).build(),
                              scheduler);
                      producer.execute(
                          () -> {
                            for (long i = 0; i < req.count(); i++) {
                              coalescer.add(Msg.of(0, i, 0, 0));
                            }
                            coalescer.flush();
                            sender.complete();
                          });
                    })
                .build());
    // A reader that takes 1 ms per message and a 16 KiB window: the transport is the bottleneck.
    io.grpc.ManagedChannel channel =
        grpc.register(
            ((io.grpc.netty.NettyChannelBuilder) server.newChannelBuilder())
                .flowControlWindow(16 * 1024)
                .build());
    StreamReceiver<Msg> receiver = StreamReceiver.forClient(ReceiverSettings.defaults());
    RpcClient.create(channel)
        .serverStreaming(BATCHES, new Req(10_000, ""), receiver.clientObserver());
    long next = 0;
    int batches = 0;
    int largest = 0;
    for (Msg batch : receiver) {
      assertThat(batch.seq()).isEqualTo(next);
      next += batch.producer();
      batches++;
      largest = Math.max(largest, batch.producer());
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    assertThat(next).isEqualTo(10_000);
    // Singles while grpc's own buffers fill, then batches of many messages.
    assertThat(batches).isLessThan(10_000 / 2);
    assertThat(largest).isGreaterThanOrEqualTo(20);
  }
}
