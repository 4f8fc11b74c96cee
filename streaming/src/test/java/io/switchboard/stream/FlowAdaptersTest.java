package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.stream.TestMessages.Msg;
import io.switchboard.stream.TestMessages.Req;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Flow.Publisher ↔ gRPC stream, demand tied to isReady and request(n). */
class FlowAdaptersTest {
  static final ServiceSpec SERVICE = ServiceSpec.named("test.Flow");
  static final MethodSpec<Req, Msg> PUBLISH =
      SERVICE.serverStreaming("Publish", TestMessages.REQ, TestMessages.MSG);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private final AtomicReference<FlowControlledSender<Msg>> serverSender = new AtomicReference<>();

  @Test
  void publisherToStreamAndStreamToSubscriberKeepDemandBounded() throws Exception {
    ExecutorService pool = grpc.register(Executors.newFixedThreadPool(2));
    TestServer server =
        grpc.nettyServer(
            ServiceBinder.forService(SERVICE)
                .serverStreaming(
                    PUBLISH,
                    (Req req, StreamObserver<Msg> responses) -> {
                      FlowControlledSender<Msg> sender =
                          FlowControlledSender.create(
                              (ServerCallStreamObserver<Msg>) responses,
                              SenderSettings.<Msg>newBuilder()
                                  .maxBufferedMessages(32)
                                  .overflowStrategy(OverflowStrategy.FAIL)
                                  .build());
                      serverSender.set(sender);
                      SubmissionPublisher<Msg> publisher = new SubmissionPublisher<>(pool, 16);
                      FlowAdapters.subscribe(publisher, sender, 32);
                      pool.execute(
                          () -> {
                            for (long i = 0; i < req.count(); i++) {
                              publisher.submit(Msg.of(0, i, 0, 100)); // blocks on demand
                            }
                            publisher.close();
                          });
                    })
                .build());
    ManagedChannel channel =
        grpc.register(
            ((NettyChannelBuilder) server.newChannelBuilder())
                .flowControlWindow(16 * 1024)
                .build());

    StreamPublisher<Msg> inbound = StreamPublisher.forClient();
    AtomicLong next = new AtomicLong();
    AtomicLong maxUnrequested = new AtomicLong();
    CompletableFuture<Long> done = new CompletableFuture<>();
    inbound.subscribe(
        new Flow.Subscriber<>() {
          private Flow.Subscription subscription;
          private long requested;

          @Override
          public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            requested = 4;
            s.request(4);
          }

          @Override
          public void onNext(Msg item) {
            if (item.seq() != next.getAndIncrement()) {
              done.completeExceptionally(new AssertionError("out of order at " + item.seq()));
            }
            requested--;
            maxUnrequested.accumulateAndGet(-requested, Math::max);
            if (requested == 0) {
              requested = 4;
              subscription.request(4);
            }
          }

          @Override
          public void onError(Throwable throwable) {
            done.completeExceptionally(throwable);
          }

          @Override
          public void onComplete() {
            done.complete(next.get());
          }
        });
    RpcClient.create(channel).serverStreaming(PUBLISH, new Req(3000, ""), inbound.clientObserver());
    assertThat(done.get(60, TimeUnit.SECONDS)).isEqualTo(3000);
    assertThat(maxUnrequested.get()).isLessThanOrEqualTo(0); // never more than requested
    SenderStats stats = serverSender.get().stats();
    assertThat(stats.dropped()).isZero(); // FAIL never fired: demand kept the buffer in bounds
    assertThat(stats.peakBuffered()).isLessThanOrEqualTo(32);
  }
}
