package io.switchboard.benchmarks.stream;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The streaming benchmarks' client: reads a server stream as fast as it can. */
final class StreamReads {
  private StreamReads() {}

  /**
   * Sends {@code request}, then reads {@code n} messages; cancels the call after the last one when
   * {@code cancelAtEnd} (a subscription never ends itself).
   *
   * @throws IllegalStateException if the stream ends early or not within {@code timeout}
   */
  static void readAll(
      Channel channel,
      MethodDescriptor<byte[], byte[]> method,
      byte[] request,
      int n,
      boolean cancelAtEnd,
      Duration timeout)
      throws InterruptedException {
    ClientCall<byte[], byte[]> call = channel.newCall(method, CallOptions.DEFAULT);
    CountDownLatch done = new CountDownLatch(1);
    int[] received = {0};
    Status[] failure = {null};
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(byte[] message) {
            if (++received[0] == n) {
              done.countDown();
              if (cancelAtEnd) {
                call.cancel("read everything", null);
              }
            }
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            if (received[0] < n) {
              failure[0] = status;
              done.countDown();
            }
          }
        },
        new Metadata());
    call.request(Integer.MAX_VALUE);
    call.sendMessage(request);
    call.halfClose();
    if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS) || failure[0] != null) {
      throw new IllegalStateException(
          method.getFullMethodName() + " failed: " + failure[0] + ", got " + received[0]);
    }
  }
}
