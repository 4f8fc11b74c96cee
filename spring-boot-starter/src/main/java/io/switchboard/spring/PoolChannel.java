package io.switchboard.spring;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.switchboard.pool.ChannelPool;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A handle on a shared {@link ChannelPool}: calls go through the interceptors (the first in the
 * list sees a call first), then the pool. {@link #shutdown()} closes the handle, not the pool: new
 * calls on it fail with {@code UNAVAILABLE}, the pool and its calls go on.
 */
final class PoolChannel extends ManagedChannel {
  private final ChannelPool pool;
  private final Channel calls;
  private volatile boolean shutdown;

  PoolChannel(ChannelPool pool, List<ClientInterceptor> interceptors) {
    this.pool = pool;
    this.calls = ClientInterceptors.interceptForward(pool, interceptors);
  }

  /** Returns the pool behind this handle. */
  ChannelPool pool() {
    return pool;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions) {
    if (shutdown) {
      return new FailedCall<>(
          Status.UNAVAILABLE.withDescription(
              "channel of pool " + pool.name() + " was shut down: create a new one for new calls"));
    }
    return calls.newCall(method, callOptions);
  }

  @Override
  public String authority() {
    return pool.authority();
  }

  @Override
  public ManagedChannel shutdown() {
    shutdown = true;
    return this;
  }

  @Override
  public ManagedChannel shutdownNow() {
    return shutdown();
  }

  @Override
  public boolean isShutdown() {
    return shutdown || pool.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return shutdown || pool.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return shutdown || pool.awaitTermination(timeout, unit);
  }

  @Override
  public ConnectivityState getState(boolean requestConnection) {
    return pool.getState(requestConnection);
  }

  @Override
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    pool.notifyWhenStateChanged(source, callback);
  }

  @Override
  public void resetConnectBackoff() {
    pool.resetConnectBackoff();
  }

  @Override
  public void enterIdle() {
    pool.enterIdle();
  }

  @Override
  public String toString() {
    return "PoolChannel{" + pool.name() + (shutdown ? ", shut down" : "") + "}";
  }

  /** A call that fails with a status when started, sending nothing. */
  private static final class FailedCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
    private final Status status;

    FailedCall(Status status) {
      this.status = status;
    }

    @Override
    public void start(Listener<RespT> listener, Metadata headers) {
      listener.onClose(status, new Metadata());
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void cancel(String message, Throwable cause) {}

    @Override
    public void halfClose() {}

    @Override
    public void sendMessage(ReqT message) {}
  }
}
