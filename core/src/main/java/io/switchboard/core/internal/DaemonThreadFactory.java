package io.switchboard.core.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes daemon threads named {@code prefix-1}, {@code prefix-2}, ...: for the timers and
 * maintenance threads a library owns, which must never keep a user's JVM alive. Thread-safe.
 */
public final class DaemonThreadFactory implements ThreadFactory {
  private final String prefix;
  private final AtomicInteger count = new AtomicInteger();

  /**
   * Creates a factory whose threads are named after the prefix.
   *
   * @param prefix what the threads do, e.g. {@code "switchboard-batch-timer"}
   * @throws NullPointerException if the prefix is null
   */
  public DaemonThreadFactory(String prefix) {
    this.prefix = Objects.requireNonNull(prefix, "prefix");
  }

  /** Returns a new daemon thread, not started, that runs the task. */
  @Override
  public Thread newThread(Runnable task) {
    Thread t = new Thread(task, prefix + "-" + count.incrementAndGet());
    t.setDaemon(true);
    return t;
  }

  /**
   * Stops a library-owned thread: interrupts it and waits up to {@code wait} for it to end. Does
   * nothing for null or the calling thread itself (a thread cannot join itself). An interrupt of
   * the caller while it waits is kept (the flag is set again) and ends the wait.
   *
   * @param thread the thread to stop, or null
   * @param wait how long to wait for it to end
   */
  public static void stop(Thread thread, Duration wait) {
    if (thread == null || thread == Thread.currentThread()) {
      return;
    }
    thread.interrupt();
    try {
      thread.join(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
