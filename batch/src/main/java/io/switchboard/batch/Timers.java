package io.switchboard.batch;

import io.switchboard.core.internal.DaemonThreadFactory;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The one timer thread a {@link BatchExecutor} or a {@link Batcher} owns: created and stopped. */
final class Timers {
  private Timers() {}

  /** Returns a one-thread scheduler on a daemon thread; cancelled tasks are removed. */
  static ScheduledThreadPoolExecutor newTimer(DaemonThreadFactory threads) {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, threads);
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  /**
   * Stops the timer now and waits up to 5 s for its thread to end.
   *
   * @throws IllegalStateException if it did not end in time (naming {@code what})
   */
  static void shutdown(ScheduledThreadPoolExecutor timer, String what) {
    timer.shutdownNow();
    try {
      if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
        throw new IllegalStateException(what + " did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
