package io.switchboard.batch;

import io.grpc.Status;
import java.util.concurrent.atomic.AtomicInteger;

/** Slots for calls in flight. Acquires come from one thread at a time; the rest from any. */
abstract class Limiter {
  private final AtomicInteger inFlight = new AtomicInteger();

  /** Takes a slot if one is free. */
  final boolean tryAcquire() {
    for (; ; ) {
      int current = inFlight.get();
      if (current >= limit()) {
        return false;
      }
      if (inFlight.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  /** Returns a slot. */
  final void release() {
    inFlight.decrementAndGet();
  }

  final int inFlight() {
    return inFlight.get();
  }

  /** The current limit. */
  abstract int limit();

  /**
   * Returns true for the codes that mean "send less": the adaptive limit backs off on them, and a
   * batch whose items failed with several codes reports one of them as its sample.
   */
  static boolean isPushBack(Status.Code code) {
    return code == Status.Code.RESOURCE_EXHAUSTED
        || code == Status.Code.UNAVAILABLE
        || code == Status.Code.DEADLINE_EXCEEDED;
  }

  /** Learns from one finished attempt. */
  abstract void onSample(long latencyNanos, Status.Code code);

  static final class Fixed extends Limiter {
    private final int limit;

    Fixed(int limit) {
      this.limit = limit;
    }

    @Override
    int limit() {
      return limit;
    }

    @Override
    void onSample(long latencyNanos, Status.Code code) {}
  }

  /** Additive increase, multiplicative decrease on push-back or a latency rise. */
  static final class Aimd extends Limiter {
    /** Samples before latency is judged: the average needs a few values to mean anything. */
    private static final int WARM_UP_SAMPLES = 10;

    /** Weight of a new sample in the long-run latency average: about the last 100 calls. */
    private static final double LONG_RUN_WEIGHT = 0.01;

    private final int min;
    private final int max;
    private volatile int limit;
    private double limitExact;
    private double averageLatency;
    private long samples;

    Aimd(int min, int initial, int max) {
      this.min = min;
      this.max = max;
      this.limit = initial;
      this.limitExact = initial;
    }

    @Override
    int limit() {
      return limit;
    }

    @Override
    synchronized void onSample(long latencyNanos, Status.Code code) {
      boolean pushBack = isPushBack(code);
      samples++;
      boolean slow =
          samples > WARM_UP_SAMPLES
              && latencyNanos > Concurrency.LATENCY_TOLERANCE * averageLatency;
      averageLatency =
          samples == 1
              ? latencyNanos
              : averageLatency + LONG_RUN_WEIGHT * (latencyNanos - averageLatency);
      if (pushBack || slow) {
        limitExact = Math.max(min, limitExact * Concurrency.BACKOFF_RATIO);
      } else if (inFlight() * 2 >= limit) {
        limitExact = Math.min(max, limitExact + 1);
      }
      limit = (int) limitExact;
    }
  }
}
