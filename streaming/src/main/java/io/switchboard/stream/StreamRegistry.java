package io.switchboard.stream;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.switchboard.core.internal.Checks;
import io.switchboard.core.internal.DaemonThreadFactory;
import io.switchboard.core.metrics.BoundCounter;
import io.switchboard.core.metrics.MetricSink;
import io.switchboard.core.metrics.Registration;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks the active streams of a server and cleans up after them: a snapshot of every call (id,
 * method, peer, state, start, last activity, messages and bytes each way, messages buffered in its
 * {@link FlowControlledSender}), an idle reaper that closes calls silent for longer than the idle
 * timeout, and cleanup callbacks that run exactly once when a call ends however it ends
 * (completion, error, cancellation, deadline, client disconnect, idle reaping).
 *
 * <pre>{@code
 * StreamRegistry registry = StreamRegistry.newBuilder().idleTimeout(Duration.ofMinutes(2)).build();
 * Server server = NettyServerBuilder.forPort(port)
 *     .addService(ServerInterceptors.intercept(logService, registry.interceptor()))
 *     .addStreamTracerFactory(registry.streamTracerFactory()) // optional: byte counts
 *     .build();
 * // inside a handler:
 * StreamRegistry.onCleanup(() -> subscriptions.remove(id));
 * }</pre>
 *
 * <p>The idle reaper closes a call with {@code UNAVAILABLE} and a description naming the idle time
 * and the limit, so a client knows to reconnect; the server's handler sees the call cancelled (its
 * on-cancel handler runs, its request observer gets {@code onError}), and later messages it sends
 * are dropped. Thread-safe. {@link #close()} stops the reaper (and its thread, if the registry made
 * it); tracking goes on.
 */
public final class StreamRegistry implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(StreamRegistry.class);

  /**
   * Default idle timeout: 6 minutes, just over the 350 s after which AWS NLB silently drops an idle
   * TCP connection: a stream silent for longer is almost surely dead or forgotten.
   */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(6);

  /** The metrics name when none is set: one series for every unnamed registry. */
  public static final String DEFAULT_NAME = "streams";

  private static final Context.Key<Tracked> TRACKED_KEY = Context.key("switchboard-stream-tracked");
  private static final Context.Key<ByteCounter> BYTES_KEY = Context.key("switchboard-stream-bytes");

  private final Duration idleTimeout;
  private final List<CloseListener> listeners;
  private final ScheduledExecutorService scheduler;
  private final boolean ownScheduler;
  private final ScheduledFuture<?> reaper;
  private final ConcurrentHashMap<Long, Tracked> streams = new ConcurrentHashMap<>();
  private final String name;
  private final MetricSink metrics;
  private final BoundCounter reapedCounter;
  private final Registration streamsObserved;
  private final AtomicLong ids = new AtomicLong();
  private final ServerInterceptor interceptor = new TrackingInterceptor();
  private final ServerStreamTracer.Factory tracerFactory = new ByteTracerFactory();

  private StreamRegistry(Builder b) {
    this.idleTimeout = b.idleTimeout;
    this.listeners = new CopyOnWriteArrayList<>(b.listeners);
    this.name = b.name;
    this.metrics = b.metrics;
    this.reapedCounter = metrics.counter(StreamMetrics.REAPED, name);
    this.streamsObserved =
        metrics.observe(
            StreamMetrics.STREAMS,
            () -> streams.values().stream().filter(t -> !t.state.isTerminal()).count(),
            name);
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
      this.ownScheduler = false;
    } else {
      this.scheduler =
          Executors.newSingleThreadScheduledExecutor(
              new DaemonThreadFactory("switchboard-stream-reaper"));
      this.ownScheduler = true;
    }
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), idleTimeout.toNanos() / 4);
    this.reaper =
        scheduler.scheduleWithFixedDelay(this::reapSafely, period, period, TimeUnit.NANOSECONDS);
  }

  /** Returns a builder with the {@linkplain #DEFAULT_IDLE_TIMEOUT default} idle timeout. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Returns the interceptor that tracks calls; intercept every service whose streams should be
   * tracked with it ({@code ServerInterceptors.intercept(service, registry.interceptor())}).
   */
  public ServerInterceptor interceptor() {
    return interceptor;
  }

  /**
   * Returns a stream tracer factory that counts wire bytes; add it to the server builder ({@code
   * addStreamTracerFactory}) to fill {@link StreamInfo#bytesIn()} and {@link
   * StreamInfo#bytesOut()}.
   */
  public ServerStreamTracer.Factory streamTracerFactory() {
    return tracerFactory;
  }

  /**
   * Returns a builder holding this registry's settings (idle timeout, its scheduler if one was
   * given, and the close listeners it has now), to make another registry like it.
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.idleTimeout = idleTimeout;
    b.scheduler = ownScheduler ? null : scheduler;
    b.listeners.addAll(listeners);
    b.name = name;
    b.metrics = metrics;
    return b;
  }

  /** Returns the idle timeout. */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** Returns a snapshot of every active stream, oldest first. */
  public List<StreamInfo> snapshot() {
    List<StreamInfo> result = new ArrayList<>(streams.size());
    for (Tracked t : streams.values()) {
      result.add(t.info());
    }
    result.sort(Comparator.comparingLong(StreamInfo::id));
    return result;
  }

  /** Returns the snapshot of the active stream with the given id, if it is still active. */
  public Optional<StreamInfo> find(long id) {
    Tracked t = streams.get(id);
    return t == null ? Optional.empty() : Optional.of(t.info());
  }

  /**
   * Adds a listener told once of every stream that ends, after the stream's own cleanups ran.
   *
   * @throws NullPointerException if the listener is null
   */
  public void addCloseListener(CloseListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Closes every active stream that has been idle (no message in or out) for longer than the idle
   * timeout, now. The reaper does this periodically (every quarter of the timeout).
   *
   * @return how many streams were closed
   */
  public int reapIdle() {
    long now = System.nanoTime();
    long limit = idleTimeout.toNanos();
    int reaped = 0;
    for (Tracked t : streams.values()) {
      long idle = now - t.lastActivityNanos;
      if (idle > limit && !t.state.isTerminal()) {
        Status status =
            Status.UNAVAILABLE.withDescription(
                "stream closed by the idle reaper: no message in or out for "
                    + TimeUnit.NANOSECONDS.toMillis(idle)
                    + " ms (limit: "
                    + idleTimeout.toMillis()
                    + " ms); reconnect to resume");
        if (t.call != null && t.call.reap(status)) {
          reaped++;
          reapedCounter.increment();
        }
      }
    }
    return reaped;
  }

  /**
   * Registers a cleanup for the stream whose handler is running on this thread (the call's grpc
   * {@link Context}). It runs exactly once when the stream ends, however it ends; at once if the
   * stream has already ended. Cleanups run in registration order on the thread that saw the end; an
   * exception from one is logged and the others still run.
   *
   * @throws NullPointerException if the cleanup is null
   * @throws IllegalStateException if no stream tracked by a registry is current (the service is not
   *     intercepted by {@link #interceptor()}, or this runs outside the call's context)
   */
  public static void onCleanup(Runnable cleanup) {
    Objects.requireNonNull(cleanup, "cleanup");
    Tracked t = TRACKED_KEY.get();
    if (t == null) {
      throw new IllegalStateException(
          "no tracked stream in the current context (expected: inside a handler of a service"
              + " intercepted by StreamRegistry.interceptor())");
    }
    t.addCleanup(cleanup);
  }

  /** Returns the id of the tracked stream current on this thread, if any. */
  public static Optional<Long> currentStreamId() {
    Tracked t = TRACKED_KEY.get();
    return t == null ? Optional.empty() : Optional.of(t.id);
  }

  /** Stops the reaper; shuts down its thread if the registry made it. Tracking goes on. */
  @Override
  public void close() {
    reaper.cancel(false);
    streamsObserved.close();
    if (ownScheduler) {
      scheduler.shutdownNow();
    }
  }

  private void reapSafely() {
    try {
      reapIdle();
    } catch (RuntimeException e) {
      logger.warn("idle reaper pass failed", e);
    }
  }

  /** Told of each stream that ends. */
  @FunctionalInterface
  public interface CloseListener {
    /**
     * Called exactly once per stream, on the thread that saw it end. An exception is logged and
     * ignored.
     *
     * @param stream the stream's final snapshot (state {@code COMPLETED}, {@code FAILED} or {@code
     *     CANCELLED})
     * @param status how it ended: the server's status, or the reason it was cancelled
     */
    void closed(StreamInfo stream, Status status);
  }

  /** Builds a {@link StreamRegistry}. Each setter checks its argument at once. */
  public static final class Builder {
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private ScheduledExecutorService scheduler;
    private final List<CloseListener> listeners = new ArrayList<>();
    private String name = DEFAULT_NAME;
    private MetricSink metrics = MetricSink.noop();

    private Builder() {}

    /**
     * Sets how long a stream may go without a message in either direction before the reaper closes
     * it.
     *
     * @throws NullPointerException if the timeout is null
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = Checks.positive("idleTimeout", timeout);
      return this;
    }

    /**
     * Sets the scheduler the reaper runs on; the registry does not shut it down. By default the
     * registry starts one daemon thread of its own.
     *
     * @throws NullPointerException if the scheduler is null
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Adds a listener told of every stream that ends.
     *
     * @throws NullPointerException if the listener is null
     */
    public Builder addCloseListener(CloseListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** Returns a registry whose reaper is running. */
    /**
     * Names the registry in its metrics (attribute {@code switchboard.stream.registry}); {@link
     * #DEFAULT_NAME} by default.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if blank
     */
    public Builder name(String name) {
      this.name = Checks.notBlank("name", name);
      return this;
    }

    /**
     * Reports the registry's streams and reaped streams to {@code metrics} (the README's metrics
     * table); nothing is recorded by default. The observation ends when the registry is closed.
     *
     * @throws NullPointerException if null
     */
    public Builder metrics(MetricSink metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    public StreamRegistry build() {
      return new StreamRegistry(this);
    }
  }

  // ---- machinery ----

  /** One tracked stream. */
  final class Tracked {
    final long id;
    final String method;
    final String peer;
    final Instant started;
    final long startNanos;
    final ByteCounter bytes;
    final ConcurrentLinkedQueue<Runnable> cleanups = new ConcurrentLinkedQueue<>();
    final AtomicBoolean finished = new AtomicBoolean();
    final AtomicLong messagesIn = new AtomicLong();
    final AtomicLong messagesOut = new AtomicLong();
    volatile long lastActivityNanos;
    volatile StreamState state = StreamState.OPEN;
    final BufferGauge buffered = new BufferGauge();
    volatile ReapableCall<?, ?> call;

    Tracked(long id, String method, String peer, ByteCounter bytes) {
      this.id = id;
      this.method = method;
      this.peer = peer;
      this.bytes = bytes;
      this.started = Instant.now();
      this.startNanos = System.nanoTime();
      this.lastActivityNanos = startNanos;
    }

    void touch() {
      lastActivityNanos = System.nanoTime();
    }

    void addCleanup(Runnable cleanup) {
      cleanups.add(cleanup);
      if (finished.get()) {
        runCleanups();
      }
    }

    StreamInfo info() {
      return new StreamInfo(
          id,
          method,
          peer,
          state,
          started,
          started.plusNanos(lastActivityNanos - startNanos),
          messagesIn.get(),
          messagesOut.get(),
          bytes == null ? -1 : bytes.in.get(),
          bytes == null ? -1 : bytes.out.get(),
          buffered.read());
    }

    /** Runs the end of the stream exactly once. */
    void finish(StreamState finalState, Status status) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      state = finalState;
      streams.remove(id);
      runCleanups();
      StreamInfo last = info();
      for (CloseListener listener : listeners) {
        try {
          listener.closed(last, status);
        } catch (RuntimeException e) {
          logger.warn("stream close listener failed for {}", method, e);
        }
      }
    }

    private void runCleanups() {
      Runnable r;
      while ((r = cleanups.poll()) != null) {
        try {
          r.run();
        } catch (RuntimeException e) {
          logger.warn("stream cleanup failed for {}", method, e);
        }
      }
    }
  }

  /**
   * Serializes sends with the reaper's close, and hides the call's end from the app once reaped.
   */
  static final class ReapableCall<ReqT, RespT>
      extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
    private final Tracked tracked;
    private final Object lock = new Object();
    // Set under lock, at most one of them: closed by the app (closedWith) or by the reaper.
    private volatile Status reapedWith;
    private volatile Status closedWith;

    ReapableCall(ServerCall<ReqT, RespT> delegate, Tracked tracked) {
      super(delegate);
      this.tracked = tracked;
    }

    @Override
    public void sendMessage(RespT message) {
      synchronized (lock) {
        if (reapedWith != null) {
          return; // Closed by the reaper: the app learns it through onCancel.
        }
        super.sendMessage(message);
      }
      tracked.messagesOut.incrementAndGet();
      tracked.touch();
    }

    @Override
    public void close(Status status, Metadata trailers) {
      synchronized (lock) {
        if (reapedWith != null) {
          return;
        }
        closedWith = status;
        super.close(status, trailers);
      }
    }

    @Override
    public boolean isReady() {
      return reapedWith == null && super.isReady();
    }

    @Override
    public boolean isCancelled() {
      return reapedWith != null || super.isCancelled();
    }

    boolean reap(Status status) {
      synchronized (lock) {
        if (closedWith != null || reapedWith != null) {
          return false;
        }
        reapedWith = status;
        try {
          super.close(status, new Metadata());
        } catch (RuntimeException e) {
          logger.debug("closing an idle stream failed", e);
        }
        return true;
      }
    }
  }

  private final class TrackingInterceptor implements ServerInterceptor {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      Tracked tracked =
          new Tracked(
              ids.incrementAndGet(),
              call.getMethodDescriptor().getFullMethodName(),
              remote == null ? "unknown" : remote.toString(),
              BYTES_KEY.get());
      ReapableCall<ReqT, RespT> reapable = new ReapableCall<>(call, tracked);
      tracked.call = reapable;
      streams.put(tracked.id, tracked);
      Context context =
          Context.current()
              .withValue(TRACKED_KEY, tracked)
              .withValue(BufferGauge.KEY, tracked.buffered);
      ServerCall.Listener<ReqT> delegate;
      try {
        delegate = Contexts.interceptCall(context, reapable, headers, next);
      } catch (RuntimeException e) {
        tracked.finish(StreamState.FAILED, Status.fromThrowable(e));
        throw e;
      }
      return new TrackingListener<>(delegate, tracked, reapable);
    }
  }

  private static final class TrackingListener<ReqT>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {
    private final Tracked tracked;
    private final ReapableCall<ReqT, ?> call;

    TrackingListener(
        ServerCall.Listener<ReqT> delegate, Tracked tracked, ReapableCall<ReqT, ?> call) {
      super(delegate);
      this.tracked = tracked;
      this.call = call;
    }

    @Override
    public void onMessage(ReqT message) {
      tracked.messagesIn.incrementAndGet();
      tracked.touch();
      super.onMessage(message);
    }

    @Override
    public void onHalfClose() {
      if (tracked.state == StreamState.OPEN) {
        tracked.state = StreamState.HALF_CLOSED;
      }
      super.onHalfClose();
    }

    @Override
    public void onCancel() {
      Status reaped = call.reapedWith;
      try {
        super.onCancel();
      } finally {
        tracked.finish(
            StreamState.CANCELLED,
            reaped != null
                ? reaped
                : Status.CANCELLED.withDescription(
                    "cancelled by the client, its deadline, or a lost connection"));
      }
    }

    @Override
    public void onComplete() {
      Status reaped = call.reapedWith;
      try {
        if (reaped != null) {
          super.onCancel(); // The app did not close it: to the app, it was cancelled.
        } else {
          super.onComplete();
        }
      } finally {
        if (reaped != null) {
          tracked.finish(StreamState.CANCELLED, reaped);
        } else {
          Status status = call.closedWith == null ? Status.OK : call.closedWith;
          tracked.finish(status.isOk() ? StreamState.COMPLETED : StreamState.FAILED, status);
        }
      }
    }
  }

  private static final class ByteCounter {
    final AtomicLong in = new AtomicLong();
    final AtomicLong out = new AtomicLong();
  }

  private static final class ByteTracerFactory extends ServerStreamTracer.Factory {
    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
      ByteCounter counter = new ByteCounter();
      return new ServerStreamTracer() {
        @Override
        public Context filterContext(Context context) {
          return context.withValue(BYTES_KEY, counter);
        }

        @Override
        public void outboundWireSize(long bytes) {
          counter.out.addAndGet(bytes);
        }

        @Override
        public void inboundWireSize(long bytes) {
          counter.in.addAndGet(bytes);
        }
      };
    }
  }
}
