package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.stream.TestMessages.Msg;
import io.switchboard.stream.TestMessages.Req;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Memory stays bounded while a slow client replays a long history: the events the server has read
 * from the store but the client has not yet received (what the page, the sender and the transport
 * hold, the memory that would grow) never pass a bound set by the settings, at any point of the
 * replay; a replay that read ahead of the client would hold the whole history.
 */
class CatchUpMemoryTest {
  static final ServiceSpec SERVICE = ServiceSpec.named("test.CatchUpMemory");
  static final MethodSpec<Req, Msg> SUBSCRIBE =
      SERVICE.serverStreaming("Subscribe", TestMessages.REQ, TestMessages.MSG);

  static final int HISTORY = 20_000;
  static final int PAYLOAD = 1024;
  static final int PAGE = 64;
  static final int SENDER_BOUND = 64;

  /** Messages in flight in grpc, Netty and HTTP/2 windows of 16 KiB, and the client's window. */
  static final int TRANSPORT = 128;

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  @Test
  void aSlowClientReplayingALongHistoryHoldsOnlyAPageAndTheBuffersAhead() {
    CountingStore store = new CountingStore();
    EventLog<Long> log = EventLog.over(store);
    for (long i = 1; i <= HISTORY; i++) {
      log.append(i);
    }
    AtomicReference<FlowControlledSender<Msg>> sender = new AtomicReference<>();
    TestServer server =
        grpc.nettyServer(
            ServiceBinder.forService(SERVICE)
                .serverStreaming(
                    SUBSCRIBE,
                    (req, responses) -> {
                      FlowControlledSender<Msg> s =
                          FlowControlledSender.create(
                              (ServerCallStreamObserver<Msg>) responses,
                              SenderSettings.<Msg>newBuilder()
                                  .maxBufferedMessages(SENDER_BOUND)
                                  .build());
                      sender.set(s);
                      CatchUpSubscription.newBuilder(
                              log, s, e -> new Msg(0, e.sequence(), 0, new byte[PAYLOAD]))
                          .fromSequence(1)
                          .pageSize(PAGE)
                          .start();
                    })
                .build());
    RpcClient client =
        RpcClient.create(
            grpc.register(
                ((NettyChannelBuilder) server.newChannelBuilder())
                    .flowControlWindow(16 * 1024)
                    .build()));
    StreamReceiver<Msg> receiver =
        StreamReceiver.forClient(
            ReceiverSettings.newBuilder().initialWindow(8).maxWindow(8).build());
    client.serverStreaming(SUBSCRIBE, new Req(1, ""), receiver.clientObserver());

    long bound = PAGE + 1 + SENDER_BOUND + TRANSPORT;
    long mostAhead = 0;
    for (long received = 1; received <= HISTORY; received++) {
      Msg m = receiver.poll(Duration.ofSeconds(20));
      assertThat(m).as("message %d", received).isNotNull();
      assertThat(m.seq()).isEqualTo(received);
      long ahead = store.handedOut.get() - received;
      mostAhead = Math.max(mostAhead, ahead);
      assertThat(ahead)
          .as("events read but not received, at %d", received)
          .isLessThanOrEqualTo(bound);
      if (received % 64 == 0) {
        LockSupport.parkNanos(2_000_000); // a slow reader: the server must wait for it
      }
    }
    receiver.cancel("done");
    assertThat(sender.get().stats().peakBuffered()).isLessThanOrEqualTo(SENDER_BOUND);
    // The replay really was held back by the reader (else this test proves nothing).
    assertThat(mostAhead).isGreaterThan(PAGE / 2);
    assertThat(store.handedOut.get()).isLessThanOrEqualTo(HISTORY + PAGE);
  }

  /** The in-memory store, counting the events its reads hand out. */
  private static final class CountingStore implements EventStore<Long> {
    final EventStore<Long> events = EventStore.inMemory(HISTORY);
    final AtomicLong handedOut = new AtomicLong();

    @Override
    public Event<Long> append(Long payload, Instant timestamp) {
      return events.append(payload, timestamp);
    }

    @Override
    public List<Event<Long>> read(long fromSequence, int maxEvents) {
      List<Event<Long>> page = events.read(fromSequence, maxEvents);
      handedOut.addAndGet(page.size());
      return page;
    }

    @Override
    public long firstSequence() {
      return events.firstSequence();
    }

    @Override
    public long lastSequence() {
      return events.lastSequence();
    }
  }
}
