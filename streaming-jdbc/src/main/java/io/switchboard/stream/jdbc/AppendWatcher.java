package io.switchboard.stream.jdbc;

import io.switchboard.core.internal.DaemonThreadFactory;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The newest sequence this process knows to be stored, and the means to wait for a newer one. Fed
 * by this process's appends at once, and by a watching thread for the other processes' appends
 * ({@code LISTEN/NOTIFY} on PostgreSQL, else polling), started when someone first waits.
 */
final class AppendWatcher implements AutoCloseable {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Runnable watchLoop;
  private final DaemonThreadFactory threads;
  private long known;
  private String epoch;
  private Thread thread;
  private boolean closed;

  AppendWatcher(long known, String epoch, String threadName, Runnable watchLoop) {
    this.known = known;
    this.epoch = epoch;
    this.threads = new DaemonThreadFactory(threadName);
    this.watchLoop = watchLoop;
  }

  /** An append of this process, or a notification: the store holds at least {@code sequence}. */
  void appended(long sequence) {
    lock.lock();
    try {
      if (sequence > known) {
        known = sequence;
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * A read of the log's row: the newest sequence goes down only when the log was reset, which gives
   * it a new epoch (a read that raced with an append may be older than an {@link #appended} seen
   * since: that one is kept).
   */
  void observed(long last, String readEpoch) {
    lock.lock();
    try {
      if (!readEpoch.equals(epoch)) {
        epoch = readEpoch;
        known = last;
        changed.signalAll();
      } else if (last > known) {
        known = last;
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until a sequence after {@code sequence} is known to be stored, or the timeout passes. (A
   * reset, where the newest sequence goes down, is seen by the caller's own reads after the
   * timeout.)
   *
   * @return the newest sequence known now
   */
  long await(long sequence, Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      startLocked();
      while (known <= sequence && nanos > 0 && !closed) {
        nanos = changed.awaitNanos(nanos);
      }
      return known;
    } finally {
      lock.unlock();
    }
  }

  boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  private void startLocked() {
    if (thread == null && !closed) {
      thread = threads.newThread(watchLoop);
      thread.start();
    }
  }

  /** Stops the watching thread (interrupts it and waits up to 5 s) and wakes every waiter. */
  @Override
  public void close() {
    Thread t;
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
      t = thread;
    } finally {
      lock.unlock();
    }
    DaemonThreadFactory.stop(t, Duration.ofSeconds(5));
  }
}
