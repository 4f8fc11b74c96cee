package io.switchboard.stream;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** A server call stream whose readiness the test controls; records what was written. */
final class FakeCall<T> extends ServerCallStreamObserver<T> {
  final List<T> written = Collections.synchronizedList(new ArrayList<>());
  final AtomicBoolean ready = new AtomicBoolean(true);
  final AtomicInteger concurrentWrites = new AtomicInteger();
  final AtomicInteger writesWhileNotReady = new AtomicInteger();
  final AtomicInteger overlaps = new AtomicInteger();
  volatile Runnable onReady;
  volatile Runnable onCancel;
  volatile Throwable error;
  volatile boolean completed;
  volatile boolean cancelled;
  volatile int requested;

  void setReady(boolean r) {
    ready.set(r);
  }

  void fireOnReady() {
    onReady.run();
  }

  void cancel() {
    cancelled = true;
    onCancel.run();
  }

  @Override
  public void onNext(T value) {
    if (concurrentWrites.incrementAndGet() != 1) {
      overlaps.incrementAndGet();
    }
    if (!ready.get()) {
      writesWhileNotReady.incrementAndGet();
    }
    written.add(value);
    concurrentWrites.decrementAndGet();
  }

  @Override
  public void onError(Throwable t) {
    error = t;
  }

  @Override
  public void onCompleted() {
    completed = true;
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public void setOnCancelHandler(Runnable onCancelHandler) {
    this.onCancel = onCancelHandler;
  }

  @Override
  public void setCompression(String compression) {}

  @Override
  public boolean isReady() {
    return ready.get();
  }

  @Override
  public void setOnReadyHandler(Runnable onReadyHandler) {
    this.onReady = onReadyHandler;
  }

  @Override
  public void disableAutoInboundFlowControl() {}

  @Override
  public void disableAutoRequest() {}

  @Override
  public void request(int count) {
    requested += count;
  }

  @Override
  public void setMessageCompression(boolean enable) {}
}
