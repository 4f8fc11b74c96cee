package io.switchboard.stream.jdbc;

import io.grpc.MethodDescriptor;
import io.switchboard.core.internal.Checks;
import io.switchboard.core.internal.DaemonThreadFactory;
import io.switchboard.stream.Event;
import io.switchboard.stream.EventStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EventStore} in two database tables, shared by every process that opens the same log:
 * the replicas of a service append to it and replay from it, and each sees one order.
 *
 * <pre>{@code
 * DataSource db = JdbcConnectionPool.create("jdbc:h2:./data/logs", "sa", "");  // or PostgreSQL
 * JdbcEventStore<LogLine> store =
 *     JdbcEventStore.newBuilder(db, MessagePackMarshaller.of(LogLine.class))
 *         .logName("app-logs")
 *         .retainFor(Duration.ofDays(7))
 *         .build();
 * EventLog<LogLine> log = EventLog.over(store);
 * }</pre>
 *
 * <p><b>Tables.</b> {@code <prefix>event_logs} has one row per log (its name, epoch, newest
 * sequence and time); {@code <prefix>events} has the events (log name, sequence, time in
 * nanoseconds since 1970, payload bytes through the codec), keyed by (log name, sequence), with an
 * index on (log name, time, sequence) for {@link #sequenceAt}. {@link Builder#build()} creates them
 * if they do not exist (unless told not to). Many logs may share the tables.
 *
 * <p><b>Order across processes.</b> An append takes the next sequence by updating its log's row, in
 * the transaction that inserts the event: the row lock makes appenders of all processes take turns
 * (the threads of one process take theirs before, in the store: they queue in the JVM, not in the
 * database's lock waits), so sequences have no hole, and an event is committed before the next one
 * can be numbered, so a reader never sees an event without the ones before it. Times never go
 * backwards along the sequence: an append whose clock is behind the log's newest time takes that
 * time instead.
 *
 * <p><b>Live tail.</b> {@link #awaitAfter} returns as soon as this process appends, and learns of
 * other processes' appends by {@code LISTEN/NOTIFY} on PostgreSQL (each append notifies when it
 * commits; a lookup once a second covers a lost connection), or by looking up the newest sequence
 * every {@linkplain Builder#pollInterval poll interval} on other databases.
 *
 * <p><b>Retention.</b> By count ({@link Builder#retainEvents}) and/or age ({@link
 * Builder#retainFor}): a daemon thread deletes older events every {@linkplain
 * Builder#retentionCheckInterval check interval}, or {@link #enforceRetention()} now.
 *
 * <p><b>Epoch.</b> Each log's row carries a random epoch, made when the row is created. If the log
 * is deleted (its rows removed), the next use creates it anew, from sequence 1, with a new epoch:
 * {@link #epoch()} tells a reader that sequences it kept from before mean nothing now.
 *
 * <p>Database failures surface as {@link IllegalStateException}s naming the log and the operation,
 * with the {@link SQLException} as the cause. Thread-safe. Close it to stop its threads and close
 * its connections.
 *
 * @param <E> the payload type
 */
public final class JdbcEventStore<E> implements EventStore<E>, AutoCloseable {
  /** Default log name, for a service with one log. */
  public static final String DEFAULT_LOG_NAME = "events";

  /** Default table name prefix: {@code sb_event_logs} and {@code sb_events}. */
  public static final String DEFAULT_TABLE_PREFIX = "sb_";

  /**
   * Default connections kept open: 4, one for appends and three for subscriptions reading at once;
   * a page read takes a connection for one query, so more would mostly queue in the database.
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 4;

  /**
   * Default poll interval where there is no {@code LISTEN/NOTIFY}: 100 ms, so other processes'
   * events arrive live within a tenth of a second for 10 primary-key lookups a second per process.
   */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);

  /**
   * Default retention check: every minute, so a log kept for days or millions of events overshoots
   * its bound by a minute's worth at most.
   */
  public static final Duration DEFAULT_RETENTION_CHECK_INTERVAL = Duration.ofMinutes(1);

  /**
   * How long an operation waits for a free connection: 30 s, a database's usual statement timeout;
   * past that the operation fails instead of hanging.
   */
  static final Duration CONNECTION_WAIT = Duration.ofSeconds(30);

  /** With LISTEN, the newest sequence is still looked up this often: a lost notification waits. */
  static final int LISTEN_RECHECK_MILLIS = 1_000;

  private static final Logger logger = LoggerFactory.getLogger(JdbcEventStore.class);
  private static final Pattern PREFIX = Pattern.compile("[a-z_][a-z0-9_]{0,39}");
  private static final int MAX_LOG_NAME = 200;

  private final Builder<E> settings;
  private final String logName;
  private final MethodDescriptor.Marshaller<E> codec;
  private final SqlDialect dialect;
  private final SqlDialect.Tables tables;
  private final Connections connections;
  private final AppendWatcher watcher;
  private final ScheduledExecutorService retention;
  private final ReentrantLock appendTurn = new ReentrantLock();
  private volatile Connection listenConnection;
  private volatile boolean closed;

  private JdbcEventStore(Builder<E> b) {
    this.settings = b.copy();
    this.logName = b.logName;
    this.codec = b.codec;
    this.tables = new SqlDialect.Tables(b.tablePrefix);
    this.connections = new Connections(b.dataSource, b.maxConnections, CONNECTION_WAIT, c -> {});
    Head head;
    try {
      this.dialect = connections.with(SqlDialect::of);
      if (b.createTables) {
        connections.with(this::createTables);
      }
      head = connections.with(this::head);
    } catch (SQLException e) {
      connections.close();
      throw failure("open", e);
    }
    this.watcher =
        new AppendWatcher(head.last, head.epoch, "switchboard-jdbc-event-store-watch", this::watch);
    if (b.retainEvents > 0 || b.retainFor != null) {
      retention =
          Executors.newSingleThreadScheduledExecutor(
              new DaemonThreadFactory("switchboard-jdbc-event-store-retention"));
      long every = b.retentionCheckInterval.toMillis();
      retention.scheduleWithFixedDelay(this::retentionTick, every, every, TimeUnit.MILLISECONDS);
    } else {
      retention = null;
    }
  }

  /**
   * Starts building a store on {@code dataSource}, with payloads turned into bytes by {@code codec}
   * (for instance {@code MessagePackMarshaller.of(LogLine.class)}).
   *
   * @throws NullPointerException if an argument is null
   */
  public static <E> Builder<E> newBuilder(
      DataSource dataSource, MethodDescriptor.Marshaller<E> codec) {
    return new Builder<>(dataSource, codec);
  }

  /** Returns a builder with this store's settings, for instance to open another log. */
  public Builder<E> toBuilder() {
    return settings.copy();
  }

  /** Returns the name of the log this store reads and appends. */
  public String logName() {
    return logName;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The event's time is {@code timestamp}, or the log's newest time if that is later.
   *
   * @throws IllegalStateException if the database fails, or the store is closed
   * @throws IllegalArgumentException if the timestamp cannot be stored (beyond year 2262)
   */
  @Override
  public Event<E> append(E payload, Instant timestamp) {
    Objects.requireNonNull(payload, "payload");
    long nanos = toNanos(timestamp);
    byte[] bytes = encode(payload);
    // Threads of this process take turns here, not in the database's wait for the log's row lock
    // (H2 polls for it: three appenders were four times slower than one).
    appendTurn.lock();
    try {
      Event<E> event = connections.with(c -> append(c, payload, bytes, nanos));
      watcher.appended(event.sequence());
      return event;
    } catch (SQLException e) {
      throw failure("append", e);
    } finally {
      appendTurn.unlock();
    }
  }

  private Event<E> append(Connection c, E payload, byte[] bytes, long nanos) throws SQLException {
    for (int attempt = 0; ; attempt++) {
      long[] stored =
          dialect == SqlDialect.POSTGRESQL
              ? appendPostgres(c, bytes, nanos)
              : appendInTransaction(c, bytes, nanos);
      if (stored != null) {
        return new Event<>(stored[0], fromNanos(stored[1]), payload);
      }
      if (attempt > 0) {
        throw new SQLException("log " + logName + " has no row in " + tables.logs());
      }
      ensureHead(c); // The log was deleted (reset): it starts again, with a new epoch.
    }
  }

  /** One statement: update the log's row, insert, notify. Null if the log has no row. */
  private long[] appendPostgres(Connection c, byte[] bytes, long nanos) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(dialect.appendInOneStatement(tables))) {
      ps.setLong(1, nanos);
      ps.setString(2, logName);
      ps.setBytes(3, bytes);
      ps.setString(4, tables.channel());
      ps.setString(5, logName);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : null;
      }
    }
  }

  /** Update the log's row (locking it), then insert, in one transaction. */
  private long[] appendInTransaction(Connection c, byte[] bytes, long nanos) throws SQLException {
    c.setAutoCommit(false);
    boolean committed = false;
    try {
      long[] next =
          dialect == SqlDialect.H2 ? nextSequenceH2(c, nanos) : nextSequenceGeneric(c, nanos);
      if (next == null) {
        return null;
      }
      try (PreparedStatement ps = c.prepareStatement(dialect.insertEvent(tables))) {
        ps.setString(1, logName);
        ps.setLong(2, next[0]);
        ps.setLong(3, next[1]);
        ps.setBytes(4, bytes);
        ps.executeUpdate();
      }
      c.commit();
      committed = true;
      return next;
    } finally {
      if (!committed) {
        c.rollback();
      }
      c.setAutoCommit(true);
    }
  }

  private long[] nextSequenceH2(Connection c, long nanos) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(dialect.nextSequence(tables))) {
      ps.setLong(1, nanos);
      ps.setString(2, logName);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : null;
      }
    }
  }

  private long[] nextSequenceGeneric(Connection c, long nanos) throws SQLException {
    long sequence;
    long time;
    try (PreparedStatement ps = c.prepareStatement(dialect.lockHead(tables))) {
      ps.setString(1, logName);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        sequence = rs.getLong(1) + 1;
        time = Math.max(rs.getLong(2), nanos);
      }
    }
    try (PreparedStatement ps = c.prepareStatement(dialect.setHead(tables))) {
      ps.setLong(1, sequence);
      ps.setLong(2, time);
      ps.setString(3, logName);
      ps.executeUpdate();
    }
    return new long[] {sequence, time};
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the database fails, a payload cannot be decoded, or the store
   *     is closed
   */
  @Override
  public List<Event<E>> read(long fromSequence, int maxEvents) {
    if (maxEvents <= 0) {
      return List.of();
    }
    try {
      return connections.with(
          c -> {
            try (PreparedStatement ps = c.prepareStatement(dialect.read(tables))) {
              ps.setString(1, logName);
              ps.setLong(2, fromSequence);
              ps.setInt(3, maxEvents);
              ps.setFetchSize(Math.min(maxEvents, 1_000));
              try (ResultSet rs = ps.executeQuery()) {
                List<Event<E>> page = new ArrayList<>(Math.min(maxEvents, 1_024));
                while (rs.next()) {
                  long sequence = rs.getLong(1);
                  page.add(
                      new Event<>(
                          sequence, fromNanos(rs.getLong(2)), decode(sequence, rs.getBytes(3))));
                }
                return page;
              }
            }
          });
    } catch (SQLException e) {
      throw failure("read", e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the database fails or the store is closed
   */
  @Override
  public long firstSequence() {
    Head h = readHead();
    return h.first;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the database fails or the store is closed
   */
  @Override
  public long lastSequence() {
    try {
      return connections.with(
          c -> {
            try (PreparedStatement ps = c.prepareStatement(dialect.lastSequence(tables))) {
              ps.setString(1, logName);
              try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                  return rs.getLong(1);
                }
              }
            }
            return head(c).last; // deleted: starts again
          });
    } catch (SQLException e) {
      throw failure("read the newest sequence of", e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>One lookup in the index on (log name, time, sequence).
   *
   * @throws IllegalStateException if the database fails or the store is closed
   */
  @Override
  public long sequenceAt(Instant time) {
    long nanos = toNanosSaturated(time);
    try {
      return connections.with(
          c -> {
            try (PreparedStatement ps = c.prepareStatement(dialect.sequenceAt(tables))) {
              ps.setString(1, logName);
              ps.setLong(2, nanos);
              try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                  return rs.getLong(1);
                }
              }
            }
            return head(c).last + 1;
          });
    } catch (SQLException e) {
      throw failure("find a time in", e);
    }
  }

  /**
   * Returns the log's epoch: a random id given when its row was created, new if the log was deleted
   * and started again.
   *
   * @throws IllegalStateException if the database fails or the store is closed
   */
  @Override
  public String epoch() {
    return readHead().epoch;
  }

  /**
   * {@inheritDoc}
   *
   * <p>True: every process that opens the same log appends to it, so an {@link
   * io.switchboard.stream.EventLog} over this store follows it for live events.
   */
  @Override
  public boolean isShared() {
    return true;
  }

  /**
   * Waits until an event after {@code sequence} is stored, by this process or another, or until the
   * timeout passes. The first call starts the thread that watches for other processes' appends.
   *
   * @return the newest sequence known to be stored (at least {@code sequence + 1} unless the wait
   *     timed out or the store was closed)
   * @throws InterruptedException if interrupted while waiting
   */
  @Override
  public long awaitAfter(long sequence, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    return watcher.await(sequence, timeout);
  }

  /**
   * Deletes the events that retention no longer keeps, now.
   *
   * @return the number of events deleted
   * @throws IllegalStateException if the database fails or the store is closed
   */
  public long enforceRetention() {
    try {
      return connections.with(
          c -> {
            long deleted = 0;
            if (settings.retainEvents > 0) {
              long keepFrom = head(c).last - settings.retainEvents + 1;
              try (PreparedStatement ps = c.prepareStatement(dialect.deleteBefore(tables))) {
                ps.setString(1, logName);
                ps.setLong(2, keepFrom);
                deleted += ps.executeUpdate();
              }
            }
            if (settings.retainFor != null) {
              long oldest = toNanosSaturated(Instant.now().minus(settings.retainFor));
              try (PreparedStatement ps = c.prepareStatement(dialect.deleteOlderThan(tables))) {
                ps.setString(1, logName);
                ps.setLong(2, oldest);
                deleted += ps.executeUpdate();
              }
            }
            return deleted;
          });
    } catch (SQLException e) {
      throw failure("enforce retention on", e);
    }
  }

  /** Stops the watching and retention threads and closes the connections. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (retention != null) {
      retention.shutdownNow();
    }
    Connection listening = listenConnection;
    if (listening != null) {
      Connections.closeQuietly(listening); // unblocks a LISTEN wait
    }
    watcher.close();
    connections.close();
  }

  @Override
  public String toString() {
    return "JdbcEventStore{log=" + logName + ", tables=" + tables.events() + ", " + dialect + "}";
  }

  // ---- the log's row ----

  /** The log's row as one consistent read. */
  private record Head(long first, long last, String epoch) {}

  private Head readHead() {
    try {
      return connections.with(this::head);
    } catch (SQLException e) {
      throw failure("read", e);
    }
  }

  /** Reads the log's row, creating it if it is missing. */
  private Head head(Connection c) throws SQLException {
    for (int attempt = 0; ; attempt++) {
      try (PreparedStatement ps = c.prepareStatement(dialect.head(tables))) {
        ps.setString(1, logName);
        ps.setString(2, logName);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            long last = rs.getLong(1);
            long first = rs.getLong(2);
            if (rs.wasNull()) {
              first = last + 1;
            }
            return new Head(first, last, rs.getString(3));
          }
        }
      }
      if (attempt > 0) {
        throw new SQLException("log " + logName + " has no row in " + tables.logs());
      }
      ensureHead(c);
    }
  }

  /** Creates the log's row with a new epoch, unless another process just did. */
  private void ensureHead(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(dialect.insertHead(tables))) {
      ps.setString(1, logName);
      ps.setString(2, UUID.randomUUID().toString());
      ps.executeUpdate();
    } catch (SQLIntegrityConstraintViolationException alreadyThere) {
      // Another process created it first: fine.
    } catch (SQLException e) {
      if (!isUniqueViolation(e)) {
        throw e;
      }
    }
  }

  private Void createTables(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String ddl : dialect.createTables(tables)) {
        s.execute(ddl);
      }
    } catch (SQLException e) {
      // Two processes creating the tables at once: PostgreSQL's IF NOT EXISTS can still collide.
      if (!isUniqueViolation(e)) {
        throw e;
      }
    }
    return null;
  }

  private static boolean isUniqueViolation(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.equals("23505") || state.equals("23000"));
  }

  // ---- watching for other processes' appends ----

  private void watch() {
    while (!closed) {
      try {
        if (dialect.notifies() && settings.listen) {
          listen();
        } else {
          poll();
        }
      } catch (SQLException | RuntimeException | LinkageError e) {
        if (closed) {
          return;
        }
        logger.warn(
            "event store {}: watching for appends failed ({}); looking again in {} ms",
            logName,
            e.toString(),
            settings.pollInterval.toMillis());
        if (!pause(settings.pollInterval)) {
          return;
        }
      }
    }
  }

  private void poll() throws SQLException {
    while (!closed) {
      Head h = connections.with(this::head);
      watcher.observed(h.last, h.epoch);
      if (!pause(settings.pollInterval)) {
        return;
      }
    }
  }

  private void listen() throws SQLException {
    try (Connection c = connections.open()) {
      listenConnection = c;
      if (closed) {
        return;
      }
      PostgresNotifications notifications = new PostgresNotifications(c, tables.channel(), logName);
      Head h = head(c); // appends made before LISTEN took effect
      watcher.observed(h.last, h.epoch);
      while (!closed) {
        long notified = notifications.await(LISTEN_RECHECK_MILLIS);
        if (notified > 0) {
          watcher.appended(notified);
        } else {
          h = head(c);
          watcher.observed(h.last, h.epoch);
        }
      }
    } finally {
      listenConnection = null;
    }
  }

  /** Sleeps; false if interrupted (closing). */
  private static boolean pause(Duration d) {
    try {
      Thread.sleep(Math.max(1, d.toMillis())); // a poll interval, not a wait for a condition
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void retentionTick() {
    try {
      long deleted = enforceRetention();
      if (deleted > 0) {
        logger.debug("event store {}: retention deleted {} events", logName, deleted);
      }
    } catch (RuntimeException e) {
      if (!closed) {
        logger.warn("event store {}: retention failed: {}", logName, e.toString());
      }
    }
  }

  // ---- payloads and times ----

  private byte[] encode(E payload) {
    try (InputStream in = codec.stream(payload)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a payload for log " + logName, e);
    }
  }

  private E decode(long sequence, byte[] bytes) {
    try {
      return Objects.requireNonNull(
          codec.parse(new ByteArrayInputStream(bytes)), "codec returned null");
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot decode event " + sequence + " of log " + logName + ": " + e, e);
    }
  }

  private static long toNanos(Instant t) {
    Objects.requireNonNull(t, "timestamp");
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "timestamp: "
              + t
              + " (expected: 1677-09-21 .. 2262-04-11, nanoseconds since 1970 in a"
              + " long)");
    }
  }

  private static long toNanosSaturated(Instant t) {
    Objects.requireNonNull(t, "time");
    try {
      return toNanos(t);
    } catch (IllegalArgumentException e) {
      return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private static Instant fromNanos(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  private IllegalStateException failure(String operation, SQLException e) {
    return new IllegalStateException(
        "event store: cannot "
            + operation
            + " log "
            + logName
            + " in "
            + tables.events()
            + ": "
            + e,
        e);
  }

  /**
   * Builds a {@link JdbcEventStore}. Each setter checks its argument at once.
   *
   * @param <E> the payload type
   */
  public static final class Builder<E> {
    private final DataSource dataSource;
    private final MethodDescriptor.Marshaller<E> codec;
    private String logName = DEFAULT_LOG_NAME;
    private String tablePrefix = DEFAULT_TABLE_PREFIX;
    private boolean createTables = true;
    private long retainEvents;
    private Duration retainFor;
    private Duration retentionCheckInterval = DEFAULT_RETENTION_CHECK_INTERVAL;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private boolean listen = true;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;

    private Builder(DataSource dataSource, MethodDescriptor.Marshaller<E> codec) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      this.codec = Objects.requireNonNull(codec, "codec");
    }

    private Builder<E> copy() {
      Builder<E> b = new Builder<>(dataSource, codec);
      b.logName = logName;
      b.tablePrefix = tablePrefix;
      b.createTables = createTables;
      b.retainEvents = retainEvents;
      b.retainFor = retainFor;
      b.retentionCheckInterval = retentionCheckInterval;
      b.pollInterval = pollInterval;
      b.listen = listen;
      b.maxConnections = maxConnections;
      return b;
    }

    /**
     * Sets which log of the tables this store reads and appends ({@value #DEFAULT_LOG_NAME} by
     * default).
     *
     * @throws IllegalArgumentException if the name is empty or longer than 200 characters
     */
    public Builder<E> logName(String name) {
      Objects.requireNonNull(name, "logName");
      if (name.isEmpty() || name.length() > MAX_LOG_NAME) {
        throw new IllegalArgumentException(
            "logName: \"" + name + "\" (expected: 1.." + MAX_LOG_NAME + " characters)");
      }
      this.logName = name;
      return this;
    }

    /**
     * Sets the prefix of the table names ({@value #DEFAULT_TABLE_PREFIX} by default).
     *
     * @throws IllegalArgumentException unless it is a lower-case SQL identifier of at most 40
     *     characters
     */
    public Builder<E> tablePrefix(String prefix) {
      Objects.requireNonNull(prefix, "tablePrefix");
      if (!PREFIX.matcher(prefix).matches()) {
        throw new IllegalArgumentException(
            "tablePrefix: \"" + prefix + "\" (expected: [a-z_][a-z0-9_]{0,39})");
      }
      this.tablePrefix = prefix;
      return this;
    }

    /** Whether {@link #build()} creates missing tables and index (true by default). */
    public Builder<E> createTables(boolean create) {
      this.createTables = create;
      return this;
    }

    /**
     * Keeps only the newest {@code events} events (all by default).
     *
     * @throws IllegalArgumentException if {@code events < 1}
     */
    public Builder<E> retainEvents(long events) {
      this.retainEvents = Checks.positive("retainEvents", events);
      return this;
    }

    /**
     * Keeps only events younger than {@code age} (all by default).
     *
     * @throws IllegalArgumentException if the age is not positive
     */
    public Builder<E> retainFor(Duration age) {
      this.retainFor = Checks.positive("retainFor", age);
      return this;
    }

    /**
     * Sets how often retention deletes old events ({@link #DEFAULT_RETENTION_CHECK_INTERVAL}).
     *
     * @throws IllegalArgumentException if the interval is not positive
     */
    public Builder<E> retentionCheckInterval(Duration interval) {
      this.retentionCheckInterval = Checks.positive("retentionCheckInterval", interval);
      return this;
    }

    /**
     * Sets how often the newest sequence is looked up where there is no {@code LISTEN/NOTIFY}
     * ({@link #DEFAULT_POLL_INTERVAL}); also the pause before watching again after a failure.
     *
     * @throws IllegalArgumentException if the interval is not positive
     */
    public Builder<E> pollInterval(Duration interval) {
      this.pollInterval = Checks.positive("pollInterval", interval);
      return this;
    }

    /**
     * Whether to use {@code LISTEN/NOTIFY} on PostgreSQL (true by default); false polls instead.
     * Appends notify either way, so other processes may listen.
     */
    public Builder<E> listen(boolean listen) {
      this.listen = listen;
      return this;
    }

    /**
     * Sets how many connections the store keeps open ({@value #DEFAULT_MAX_CONNECTIONS} by default;
     * the live tail on PostgreSQL takes one more of its own).
     *
     * @throws IllegalArgumentException if {@code connections} is not in 1..1000
     */
    public Builder<E> maxConnections(int connections) {
      this.maxConnections = Checks.inRange("maxConnections", connections, 1, 1_000);
      return this;
    }

    /**
     * Opens the store: detects the database, creates the tables if asked and the log's row if
     * missing.
     *
     * @return the store, to close when done
     * @throws IllegalStateException if the database fails
     */
    public JdbcEventStore<E> build() {
      return new JdbcEventStore<>(this);
    }
  }
}
