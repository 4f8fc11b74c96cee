package io.switchboard.core;

import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Records a stream's values and its end. */
final class RecordingObserver<T> implements StreamObserver<T> {
  final List<T> values = new CopyOnWriteArrayList<>();
  final CompletableFuture<List<T>> done = new CompletableFuture<>();

  @Override
  public void onNext(T value) {
    values.add(value);
  }

  @Override
  public void onError(Throwable t) {
    done.completeExceptionally(t);
  }

  @Override
  public void onCompleted() {
    done.complete(values);
  }

  /** Waits for a successful end and returns the values. */
  List<T> awaitValues() throws InterruptedException, ExecutionException, TimeoutException {
    return done.get(30, TimeUnit.SECONDS);
  }

  /** Waits for a failed end and returns the failure. */
  Throwable awaitError() throws InterruptedException, TimeoutException {
    try {
      done.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("stream completed instead of failing: " + values);
  }
}
