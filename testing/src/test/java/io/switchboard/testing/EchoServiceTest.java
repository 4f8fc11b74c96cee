package io.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EchoServiceTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private final EchoService echo = new EchoService("users");

  private static CallOptions options() {
    return CallOptions.DEFAULT.withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void echoAnswersWithItsNameAndRecordsTheCall() {
    ManagedChannel channel = grpc.inProcessServer(echo.definition()).newChannel();
    Metadata.Key<String> key = Metadata.Key.of("x-test", Metadata.ASCII_STRING_MARSHALLER);
    Metadata headers = new Metadata();
    headers.put(key, "v");
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    String reply =
        ClientCalls.blockingUnaryCall(
            io.grpc.ClientInterceptors.intercept(
                channel,
                io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers),
                io.grpc.stub.MetadataUtils.newCaptureMetadataInterceptor(
                    responseHeaders, trailers)),
            EchoService.ECHO,
            options(),
            "hi");
    assertThat(reply).isEqualTo("users:hi");
    assertThat(echo.calls()).isEqualTo(1);
    assertThat(echo.lastHeaders().get(key)).isEqualTo("v");
    assertThat(echo.lastDeadline()).isPresent();
    assertThat(responseHeaders.get().get(EchoService.NAME_HEADER)).isEqualTo("users");
    assertThat(trailers.get().get(EchoService.TRAILER)).isEqualTo("done");
    assertThat(trailers.get().get(EchoService.BINARY_TRAILER)).containsExactly(0, 1, 2, 255);
  }

  @Test
  void aStatusRequestFailsWithThatStatus() {
    ManagedChannel channel = grpc.inProcessServer(echo.definition()).newChannel();
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel, EchoService.ECHO, options(), "status:NOT_FOUND:no user 7"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription()).isEqualTo("no user 7");
              assertThat(e.getTrailers().get(EchoService.TRAILER)).isEqualTo("done");
            });
  }

  @Test
  void hangHoldsUntilReleased() throws Exception {
    ManagedChannel channel = grpc.inProcessServer(echo.definition()).newChannel();
    var call = ClientCalls.futureUnaryCall(channel.newCall(EchoService.HANG, options()), "wait");
    Await.until(WAIT, () -> echo.heldCount() == 1, () -> "one held call");
    assertThat(call).isNotDone();
    assertThat(echo.releaseHeld()).isEqualTo(1);
    assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo("users:wait");
    assertThat(echo.heldCount()).isZero();
  }

  @Test
  void aCancelledHangIsCountedAndForgotten() {
    ManagedChannel channel = grpc.nettyServer(echo.definition()).newChannel();
    var call = ClientCalls.futureUnaryCall(channel.newCall(EchoService.HANG, options()), "wait");
    Await.until(WAIT, () -> echo.heldCount() == 1, () -> "one held call");
    call.cancel(true);
    echo.awaitCancellation(WAIT);
    Await.until(WAIT, () -> echo.heldCount() == 0, () -> "the cancelled call forgotten");
    assertThat(echo.releaseHeld()).isZero();
  }

  @Test
  void countStreamsNumberedResponses() {
    ManagedChannel channel = grpc.nettyServer(echo.definition()).newChannel();
    Iterator<String> replies =
        ClientCalls.blockingServerStreamingCall(channel, EchoService.COUNT, options(), "3:x");
    List<String> all = new ArrayList<>();
    replies.forEachRemaining(all::add);
    assertThat(all).containsExactly("0:x", "1:x", "2:x");
    assertThat(echo.streamed()).isEqualTo(3);
    Iterator<String> bare =
        ClientCalls.blockingServerStreamingCall(channel, EchoService.COUNT, options(), "2");
    List<String> plain = new ArrayList<>();
    bare.forEachRemaining(plain::add);
    assertThat(plain).containsExactly("0", "1");
  }

  @Test
  void joinAndChat() throws Exception {
    ManagedChannel channel = grpc.inProcessServer(echo.definition()).newChannel();
    Collector joined = new Collector();
    StreamObserver<String> requests =
        ClientCalls.asyncClientStreamingCall(channel.newCall(EchoService.JOIN, options()), joined);
    requests.onNext("a");
    requests.onNext("b");
    requests.onCompleted();
    assertThat(joined.done.get(30, TimeUnit.SECONDS)).containsExactly("a,b");

    Collector chat = new Collector();
    StreamObserver<String> lines =
        ClientCalls.asyncBidiStreamingCall(channel.newCall(EchoService.CHAT, options()), chat);
    lines.onNext("x");
    lines.onNext("y");
    lines.onCompleted();
    assertThat(chat.done.get(30, TimeUnit.SECONDS)).containsExactly("users:x", "users:y");
  }

  /**
   * The slow reader really reads nothing until allowed: the client's sends back up into flow
   * control (isReady turns false) with nothing read, then all arrive once reads are allowed.
   */
  @Test
  void uploadReadsOnlyWhatItIsAllowed() throws Exception {
    int window = 64 * 1024;
    TestServer server = grpc.nettyServer(b -> b.flowControlWindow(window), echo.definition());
    ManagedChannel channel =
        grpc.register(
            io.grpc.netty.NettyChannelBuilder.forTarget(server.target())
                .usePlaintext()
                .flowControlWindow(window)
                .build());
    ClientCall<String, String> call = channel.newCall(EchoService.UPLOAD, options());
    CompletableFuture<String> reply = new CompletableFuture<>();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(String message) {
            reply.complete(message);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            if (!status.isOk()) {
              reply.completeExceptionally(status.asRuntimeException(trailers));
            }
          }
        },
        new Metadata());
    call.request(1);
    String chunk = "z".repeat(8 * 1024);
    int sent = 0;
    // Send while the call is ready; stuck not-ready for 500 ms means flow control holds it back.
    while (sent < 1000 && readyWithin(call, Duration.ofMillis(500))) {
      call.sendMessage(chunk);
      sent++;
    }
    assertThat(sent).as("messages sent before the client had to wait").isLessThan(1000);
    // What is sent but unread sits in the two flow-control windows and grpc's ready threshold.
    assertThat((long) sent * chunk.length()).isLessThanOrEqualTo(4L * window + 64 * 1024);
    assertThat(echo.uploadReceived()).as("nothing read before allowed").isZero();

    echo.allowUploadReads(sent);
    call.halfClose();
    assertThat(reply.get(30, TimeUnit.SECONDS)).isEqualTo(Integer.toString(sent));
    assertThat(echo.uploadReceived()).isEqualTo(sent);
  }

  private static boolean readyWithin(ClientCall<?, ?> call, Duration timeout) {
    try {
      Await.until(timeout, call::isReady, () -> "ready");
      return true;
    } catch (AssertionError notReady) {
      return false;
    }
  }

  @Test
  void misuseIsRejected() {
    assertThatThrownBy(() -> new EchoService(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> echo.allowUploadReads(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("n: -1 (expected: >= 0)");
  }

  private static final class Collector implements StreamObserver<String> {
    final List<String> received = new ArrayList<>();
    final CompletableFuture<List<String>> done = new CompletableFuture<>();

    @Override
    public synchronized void onNext(String value) {
      received.add(value);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public synchronized void onCompleted() {
      done.complete(List.copyOf(received));
    }
  }
}
