package io.switchboard.pool;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A call through a pool. The channel is picked, and the call counted in flight on it, when the call
 * starts (so a call created and never started costs nothing); the count is given back exactly once:
 * when the call closes, or when {@code start} throws. A call cancelled before it starts, or started
 * on a shut-down pool, closes with that status and is not counted.
 *
 * <p>As with any {@link ClientCall}, the methods other than {@code cancel} are called by one thread
 * at a time; {@code cancel} may come from any thread at any time.
 */
final class PooledCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
  @SuppressWarnings("rawtypes")
  private static final AtomicIntegerFieldUpdater<PooledCall> RELEASED =
      AtomicIntegerFieldUpdater.newUpdater(PooledCall.class, "released");

  private final ChannelPool pool;
  private final MethodDescriptor<ReqT, RespT> method;
  private final CallOptions options;

  /** The call on the picked channel, set once it has started; null before or if it never did. */
  private volatile ClientCall<ReqT, RespT> delegate;

  /** Set by a cancel that may have come before {@link #delegate} was set. */
  private volatile Status cancelled;

  private PooledChannel channel;
  private boolean started;

  /** 0 until the in-flight count is given back, then 1; an updater saves an object per call. */
  private volatile int released;

  PooledCall(ChannelPool pool, MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    this.pool = pool;
    this.method = method;
    this.options = options;
  }

  @Override
  public void start(Listener<RespT> listener, Metadata headers) {
    if (started) {
      throw new IllegalStateException("call already started");
    }
    started = true;
    Status early = cancelled;
    if (early != null) {
      closeLocally(listener, early);
      return;
    }
    PooledChannel picked = pool.retainChannel(options);
    if (picked == null) {
      closeLocally(listener, pool.shutdownStatus());
      return;
    }
    channel = picked;
    ClientCall<ReqT, RespT> call;
    try {
      call = picked.channel.newCall(method, options);
    } catch (RuntimeException | Error e) {
      release(null); // never started: not counted as started or failed
      throw e;
    }
    picked.onStarted();
    try {
      call.start(new ReleasingListener(listener), headers);
    } catch (RuntimeException | Error e) {
      release(Status.fromThrowable(e));
      throw e;
    }
    delegate = call;
    Status late = cancelled;
    if (late != null) {
      call.cancel(late.getDescription(), late.getCause()); // raced with start: cancel it now
    }
  }

  @Override
  public void request(int numMessages) {
    ClientCall<ReqT, RespT> call = startedCall();
    if (call != null) {
      call.request(numMessages);
    }
  }

  @Override
  public void cancel(String message, Throwable cause) {
    if (cancelled == null) {
      cancelled =
          Status.CANCELLED
              .withDescription(message != null ? message : "call cancelled without message")
              .withCause(cause);
    }
    ClientCall<ReqT, RespT> call = delegate;
    if (call != null) {
      call.cancel(message, cause);
    }
  }

  @Override
  public void halfClose() {
    ClientCall<ReqT, RespT> call = startedCall();
    if (call != null) {
      call.halfClose();
    }
  }

  @Override
  public void sendMessage(ReqT message) {
    ClientCall<ReqT, RespT> call = startedCall();
    if (call != null) {
      call.sendMessage(message);
    }
  }

  @Override
  public boolean isReady() {
    ClientCall<ReqT, RespT> call = delegate;
    return call != null && call.isReady();
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    ClientCall<ReqT, RespT> call = startedCall();
    if (call != null) {
      call.setMessageCompression(enabled);
    }
  }

  @Override
  public Attributes getAttributes() {
    ClientCall<ReqT, RespT> call = delegate;
    return call != null ? call.getAttributes() : Attributes.EMPTY;
  }

  @Override
  public String toString() {
    return "PooledCall{" + method.getFullMethodName() + ", " + channel + "}";
  }

  /**
   * Returns the started call, or null if the call closed locally (the method is then a no-op, as on
   * a call grpc failed at start).
   *
   * @throws IllegalStateException if the call was not started
   */
  private ClientCall<ReqT, RespT> startedCall() {
    if (!started) {
      throw new IllegalStateException("call not started");
    }
    return delegate;
  }

  /** Closes the listener without a channel: on the call's executor, like grpc's own calls. */
  private void closeLocally(Listener<RespT> listener, Status status) {
    Runnable close = () -> listener.onClose(status, new Metadata());
    Executor executor = options.getExecutor();
    if (executor == null) {
      close.run();
    } else {
      executor.execute(close);
    }
  }

  private void release(Status status) {
    if (RELEASED.compareAndSet(this, 0, 1)) {
      channel.release(status);
    }
  }

  /** Gives the in-flight count back before the caller sees the call close. */
  private final class ReleasingListener extends SimpleForwardingClientCallListener<RespT> {
    ReleasingListener(Listener<RespT> delegate) {
      super(delegate);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      release(status);
      super.onClose(status, trailers);
    }
  }
}
