package io.switchboard.pool;

import io.grpc.ConnectivityState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The callbacks of {@link ChannelPool#notifyWhenStateChanged}: each runs once, when the pool's
 * aggregate state is no longer the one it was registered with, or when the pool shuts down.
 * Thread-safe; callbacks run outside the lock, and one that throws is logged.
 */
final class StateWatchers {
  private static final Logger logger = LoggerFactory.getLogger(ChannelPool.class);

  private final Supplier<ConnectivityState> current;
  private final Object lock = new Object();

  // Guarded by lock.
  private final List<Watcher> watchers = new ArrayList<>();
  private boolean closed;

  /**
   * @param current the pool's aggregate state now
   */
  StateWatchers(Supplier<ConnectivityState> current) {
    this.current = current;
  }

  /** Registers {@code callback}, or runs it at once if the state is not {@code source}. */
  void add(ConnectivityState source, Runnable callback) {
    synchronized (lock) {
      if (!closed && current.get() == source) {
        watchers.add(new Watcher(source, callback));
        return;
      }
    }
    run(callback);
  }

  /** Runs the callbacks whose source state is no longer the current one. */
  void stateChanged() {
    List<Runnable> due = new ArrayList<>();
    synchronized (lock) {
      if (watchers.isEmpty()) {
        return;
      }
      ConnectivityState now = current.get();
      watchers.removeIf(
          w -> {
            if (w.source != now) {
              due.add(w.callback);
              return true;
            }
            return false;
          });
    }
    due.forEach(StateWatchers::run);
  }

  /** Runs every callback: the pool is SHUTDOWN. Later ones run at once. */
  void close() {
    List<Watcher> all;
    synchronized (lock) {
      closed = true;
      all = new ArrayList<>(watchers);
      watchers.clear();
    }
    all.forEach(w -> run(w.callback));
  }

  private static void run(Runnable callback) {
    try {
      callback.run();
    } catch (RuntimeException e) {
      logger.warn("a connectivity state callback threw", e);
    }
  }

  private record Watcher(ConnectivityState source, Runnable callback) {}
}
