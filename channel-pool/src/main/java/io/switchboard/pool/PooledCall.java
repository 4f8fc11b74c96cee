package io.switchboard.pool;

import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A call on one pooled channel that gives its in-flight count back exactly once: when the call
 * closes, when it is cancelled before it starts, or when {@code start} throws.
 */
final class PooledCall<ReqT, RespT> extends SimpleForwardingClientCall<ReqT, RespT> {
  @SuppressWarnings("rawtypes")
  private static final AtomicIntegerFieldUpdater<PooledCall> RELEASED =
      AtomicIntegerFieldUpdater.newUpdater(PooledCall.class, "released");

  private final PooledChannel channel;

  /** 0 until the in-flight count is given back, then 1; an updater saves an object per call. */
  private volatile int released;

  private volatile boolean started;

  PooledCall(ClientCall<ReqT, RespT> delegate, PooledChannel channel) {
    super(delegate);
    this.channel = channel;
  }

  @Override
  public void start(Listener<RespT> listener, Metadata headers) {
    started = true;
    channel.onStarted();
    try {
      super.start(
          new SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onClose(Status status, Metadata trailers) {
              // Counters settle before the caller sees the end of the call.
              release(status);
              super.onClose(status, trailers);
            }
          },
          headers);
    } catch (RuntimeException | Error e) {
      release(Status.fromThrowable(e));
      throw e;
    }
  }

  @Override
  public void cancel(String message, Throwable cause) {
    try {
      super.cancel(message, cause);
    } finally {
      if (!started) {
        release(null); // never started: grpc calls no listener, so nothing else releases
      }
    }
  }

  private void release(Status status) {
    if (RELEASED.compareAndSet(this, 0, 1)) {
      channel.release(status);
    }
  }
}
