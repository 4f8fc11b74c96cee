package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** The callback receiver on a server call the test drives, without a transport. */
class CallbackReceiverTest {
  /** Records what the handler saw, in order. */
  static final class Recording implements MessageHandler<Integer> {
    final List<String> seen = new ArrayList<>();
    int failAt = -1;

    @Override
    public void onMessage(Integer message) {
      if (message == failAt) {
        throw new IllegalStateException("boom at " + message);
      }
      seen.add("message " + message);
    }

    @Override
    public void onCompleted() {
      seen.add("completed");
    }

    @Override
    public void onError(Throwable error) {
      seen.add("error " + error.getMessage());
    }
  }

  private static ReceiverSettings window(int n) {
    return ReceiverSettings.newBuilder().initialWindow(n).maxWindow(n).adaptive(false).build();
  }

  @Test
  void handlesInOrderThenCompletesOnceAndAsksForMoreAsItHandles() {
    FakeCall<Object> call = new FakeCall<>();
    Recording handler = new Recording();
    CallbackReceiver<Integer> receiver = CallbackReceiver.forServer(call, window(4), handler);
    assertThat(call.requested).isEqualTo(4); // the first window, at attach
    for (int i = 0; i < 4; i++) {
      receiver.requestObserver().onNext(i);
    }
    receiver.requestObserver().onCompleted();
    receiver.requestObserver().onCompleted(); // a second end is ignored
    assertThat(handler.seen)
        .containsExactly("message 0", "message 1", "message 2", "message 3", "completed");
    assertThat(call.requested).isEqualTo(8); // one quarter-window request per message handled
    assertThat(receiver.stats().consumed()).isEqualTo(4);
    assertThat(receiver.isFinished()).isTrue();
  }

  @Test
  void aFailingHandlerStopsTheReceiverAndHearsOfItOnce() {
    FakeCall<Object> call = new FakeCall<>();
    Recording handler = new Recording();
    handler.failAt = 1;
    CallbackReceiver<Integer> receiver = CallbackReceiver.forServer(call, window(4), handler);
    receiver.requestObserver().onNext(0);
    receiver.requestObserver().onNext(1);
    receiver.requestObserver().onNext(2); // after the stop: discarded
    receiver.requestObserver().onCompleted();
    receiver.cancel("late"); // already stopped: nothing more
    assertThat(handler.seen).containsExactly("message 0", "error boom at 1");
    assertThat(receiver.stats().consumed()).isEqualTo(1);
    assertThat(receiver.stats().discarded()).isEqualTo(1);
  }

  @Test
  void anExecutorThatRejectsStopsTheReceiverWithTheRejection() {
    Recording handler = new Recording();
    CallbackReceiver<Integer> receiver =
        CallbackReceiver.forServer(
            new FakeCall<>(),
            window(4).toBuilder()
                .executor(
                    task -> {
                      throw new RejectedExecutionException("shut down");
                    })
                .build(),
            handler);
    receiver.requestObserver().onNext(0);
    assertThat(handler.seen).containsExactly("error shut down");
    assertThat(receiver.isFinished()).isTrue();
  }

  @Test
  void cancelTellsTheHandlerWithCancelled() {
    Recording handler = new Recording();
    CallbackReceiver<Integer> receiver =
        CallbackReceiver.forServer(new FakeCall<>(), window(4), handler);
    receiver.cancel("enough");
    assertThat(handler.seen)
        .containsExactly(
            "error " + Status.CANCELLED.withDescription("enough").asException().getMessage());
  }
}
