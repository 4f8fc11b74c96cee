package io.switchboard.pool;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A channel whose connectivity state the test sets, for the pool's parts tested on their own: it
 * reports state changes as grpc does and counts requests to connect. It makes no calls.
 */
final class FakeChannel extends ManagedChannel {
  private final String name;
  private final List<Watcher> watchers = new ArrayList<>();
  private ConnectivityState state = ConnectivityState.IDLE;
  private ConnectivityState onConnectRequest = ConnectivityState.CONNECTING;
  private int connectRequests;

  FakeChannel(String name) {
    this.name = name;
  }

  /** Sets the state and tells the watchers of the previous one, as grpc does. */
  void setState(ConnectivityState newState) {
    List<Runnable> due = new ArrayList<>();
    synchronized (this) {
      if (state == ConnectivityState.SHUTDOWN) {
        return;
      }
      state = newState;
      watchers.removeIf(
          w -> {
            if (w.source != newState) {
              due.add(w.callback);
              return true;
            }
            return false;
          });
    }
    due.forEach(Runnable::run);
  }

  /** What an IDLE channel moves to when asked to connect (CONNECTING unless set). */
  synchronized void onConnectRequestGoTo(ConnectivityState next) {
    onConnectRequest = next;
  }

  /** Times {@code getState(true)} found the channel IDLE and so asked it to connect. */
  synchronized int connectRequests() {
    return connectRequests;
  }

  @Override
  public ConnectivityState getState(boolean requestConnection) {
    ConnectivityState now;
    synchronized (this) {
      now = state;
      if (!requestConnection || now != ConnectivityState.IDLE) {
        return now;
      }
      connectRequests++;
    }
    setState(onConnectRequest);
    return getState(false);
  }

  @Override
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    synchronized (this) {
      if (state == source) {
        watchers.add(new Watcher(source, callback));
        return;
      }
    }
    callback.run();
  }

  @Override
  public ManagedChannel shutdown() {
    setState(ConnectivityState.SHUTDOWN);
    return this;
  }

  @Override
  public boolean isShutdown() {
    return getState(false) == ConnectivityState.SHUTDOWN;
  }

  @Override
  public boolean isTerminated() {
    return isShutdown();
  }

  @Override
  public ManagedChannel shutdownNow() {
    return shutdown();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    throw new UnsupportedOperationException("a fake channel makes no calls");
  }

  @Override
  public String authority() {
    return name;
  }

  @Override
  public String toString() {
    return name + "{" + getState(false) + "}";
  }

  private record Watcher(ConnectivityState source, Runnable callback) {}
}
