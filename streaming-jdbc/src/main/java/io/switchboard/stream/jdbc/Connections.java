package io.switchboard.stream.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * A small bounded set of connections kept open between uses (a plain {@link DataSource} opens a new
 * one per call: a TCP connection and a login on PostgreSQL). A connection that saw an exception is
 * closed, not reused.
 */
final class Connections implements AutoCloseable {
  /** What a caller does with a borrowed connection. */
  interface Work<T> {
    T apply(Connection connection) throws SQLException;
  }

  /** Prepares a connection when it is opened (session settings). */
  interface Setup {
    void prepare(Connection connection) throws SQLException;
  }

  private final DataSource dataSource;
  private final Setup setup;
  private final Semaphore permits;
  private final ArrayBlockingQueue<Connection> idle;
  private final long waitNanos;
  private final int max;
  private volatile boolean closed;

  Connections(DataSource dataSource, int max, Duration wait, Setup setup) {
    this.dataSource = dataSource;
    this.setup = setup;
    this.max = max;
    this.permits = new Semaphore(max, true);
    this.idle = new ArrayBlockingQueue<>(max);
    this.waitNanos = wait.toNanos();
  }

  /** Opens a connection of its own for the caller (not counted, not kept). */
  Connection open() throws SQLException {
    Connection c = dataSource.getConnection();
    try {
      setup.prepare(c);
      return c;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  /**
   * Runs {@code work} with a connection, waiting for one while all are in use.
   *
   * @throws SQLTimeoutException if none was free within the wait
   */
  <T> T with(Work<T> work) throws SQLException {
    if (closed) {
      throw new SQLException("the event store is closed");
    }
    try {
      if (!permits.tryAcquire(waitNanos, TimeUnit.NANOSECONDS)) {
        throw new SQLTimeoutException(
            "all "
                + max
                + " connections of the event store stayed busy for "
                + waitNanos / 1_000_000
                + " ms (maxConnections: "
                + max
                + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted while waiting for a connection", e);
    }
    Connection c = null;
    boolean reusable = false;
    try {
      c = idle.poll();
      if (c == null) {
        c = open();
      }
      T result = work.apply(c);
      reusable = true;
      return result;
    } finally {
      if (c != null) {
        if (reusable && !closed && idle.offer(c)) {
          if (closed && idle.remove(c)) {
            closeQuietly(c); // close() ran meanwhile and may have missed it
          }
        } else {
          closeQuietly(c);
        }
      }
      permits.release();
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Connection c; (c = idle.poll()) != null; ) {
      closeQuietly(c);
    }
  }

  static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // Closing after a failure or at shutdown: nothing more to do.
    }
  }
}
