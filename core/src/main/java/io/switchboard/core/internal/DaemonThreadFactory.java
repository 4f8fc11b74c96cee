package io.switchboard.core.internal;

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
}
