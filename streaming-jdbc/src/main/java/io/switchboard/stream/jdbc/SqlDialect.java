package io.switchboard.stream.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

/**
 * The SQL that differs between databases: column types, how an append takes the next sequence in
 * one statement, and whether the database can notify listeners.
 *
 * <p>Every dialect takes the next sequence by updating the log's row in the logs table: the row
 * lock serializes appenders of all processes, and an append's event commits before the next append
 * can read the row, so a reader never sees a sequence before the ones below it.
 */
enum SqlDialect {
  /** H2 2.x: the update's new row through {@code FINAL TABLE}. */
  H2("VARBINARY", false),
  /** PostgreSQL: one statement (update, insert, notify) and {@code LISTEN/NOTIFY}. */
  POSTGRESQL("BYTEA", true),
  /** Anything else: standard SQL, a {@code SELECT ... FOR UPDATE} then an update. */
  GENERIC("BLOB", false);

  private final String binaryType;
  private final boolean notifies;

  SqlDialect(String binaryType, boolean notifies) {
    this.binaryType = binaryType;
    this.notifies = notifies;
  }

  static SqlDialect of(Connection connection) throws SQLException {
    String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
    if (product.contains("postgresql")) {
      return POSTGRESQL;
    }
    if (product.equals("h2")) {
      return H2;
    }
    return GENERIC;
  }

  /** Whether appends notify listeners (LISTEN/NOTIFY). */
  boolean notifies() {
    return notifies;
  }

  /** The statements that create the tables and the time index if they do not exist. */
  List<String> createTables(Tables t) {
    return List.of(
        "CREATE TABLE IF NOT EXISTS "
            + t.logs()
            + " (log_name VARCHAR(200) NOT NULL PRIMARY KEY,"
            + " epoch VARCHAR(64) NOT NULL,"
            + " last_sequence BIGINT NOT NULL,"
            + " last_time_nanos BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS "
            + t.events()
            + " (log_name VARCHAR(200) NOT NULL,"
            + " sequence BIGINT NOT NULL,"
            + " time_nanos BIGINT NOT NULL,"
            + " payload "
            + binaryType
            + " NOT NULL,"
            + " PRIMARY KEY (log_name, sequence))",
        // For sequenceAt(time): times never go down along the sequence, so the first row of
        // this index at or after a time is the first event appended at or after it.
        "CREATE INDEX IF NOT EXISTS "
            + t.timeIndex()
            + " ON "
            + t.events()
            + " (log_name, time_nanos, sequence)");
  }

  /**
   * PostgreSQL only: one statement that takes the next sequence, inserts the event and notifies.
   * Parameters: time, log name, payload, channel, log name. Returns sequence and time.
   */
  String appendInOneStatement(Tables t) {
    if (this != POSTGRESQL) {
      throw new IllegalStateException(this + " appends in two statements");
    }
    return "WITH head AS (UPDATE "
        + t.logs()
        + " SET last_sequence = last_sequence + 1,"
        + " last_time_nanos = GREATEST(last_time_nanos, ?)"
        + " WHERE log_name = ? RETURNING log_name, last_sequence, last_time_nanos),"
        + " ins AS (INSERT INTO "
        + t.events()
        + " (log_name, sequence, time_nanos, payload)"
        + " SELECT log_name, last_sequence, last_time_nanos, ? FROM head"
        + " RETURNING sequence, time_nanos)"
        + " SELECT sequence, time_nanos, pg_notify(?, sequence || ':' || ?) FROM ins";
  }

  /**
   * H2 only: takes the next sequence (in a transaction that then inserts the event). Parameters:
   * time, log name. Returns sequence and time.
   */
  String nextSequence(Tables t) {
    if (this != H2) {
      throw new IllegalStateException(this + " has no one-statement update and read");
    }
    return "SELECT last_sequence, last_time_nanos FROM FINAL TABLE (UPDATE "
        + t.logs()
        + " SET last_sequence = last_sequence + 1,"
        + " last_time_nanos = GREATEST(last_time_nanos, ?) WHERE log_name = ?)";
  }

  /** GENERIC: sets the log's row after {@link #lockHead}. Parameters: sequence, time, log name. */
  String setHead(Tables t) {
    return "UPDATE " + t.logs() + " SET last_sequence = ?, last_time_nanos = ? WHERE log_name = ?";
  }

  /** GENERIC only: locks the log's row and reads it. Parameter: log name. */
  String lockHead(Tables t) {
    return "SELECT last_sequence, last_time_nanos FROM "
        + t.logs()
        + " WHERE log_name = ? FOR UPDATE";
  }

  String insertEvent(Tables t) {
    return "INSERT INTO "
        + t.events()
        + " (log_name, sequence, time_nanos, payload) VALUES (?, ?, ?, ?)";
  }

  String insertHead(Tables t) {
    return "INSERT INTO "
        + t.logs()
        + " (log_name, epoch, last_sequence, last_time_nanos) VALUES (?, ?, 0, 0)";
  }

  /** Parameters: log name, from sequence, max rows. */
  String read(Tables t) {
    return "SELECT sequence, time_nanos, payload FROM "
        + t.events()
        // log_name in ORDER BY too: H2 then walks the primary key in order instead of sorting.
        + " WHERE log_name = ? AND sequence >= ? ORDER BY log_name, sequence "
        + limit();
  }

  /**
   * Parameter: log name (twice). Returns last sequence, first retained sequence (or null), epoch.
   */
  String head(Tables t) {
    return "SELECT last_sequence, (SELECT MIN(sequence) FROM "
        + t.events()
        + " WHERE log_name = ?), epoch FROM "
        + t.logs()
        + " WHERE log_name = ?";
  }

  /** Parameter: log name. */
  String lastSequence(Tables t) {
    return "SELECT last_sequence FROM " + t.logs() + " WHERE log_name = ?";
  }

  /** Parameters: log name, time. The index on (log_name, time_nanos, sequence) answers it. */
  String sequenceAt(Tables t) {
    return "SELECT sequence FROM "
        + t.events()
        + " WHERE log_name = ? AND time_nanos >= ? ORDER BY log_name, time_nanos, sequence "
        + limitOne();
  }

  /** Parameters: log name, lowest sequence to keep. */
  String deleteBefore(Tables t) {
    return "DELETE FROM " + t.events() + " WHERE log_name = ? AND sequence < ?";
  }

  /** Parameters: log name, oldest time to keep. */
  String deleteOlderThan(Tables t) {
    return "DELETE FROM " + t.events() + " WHERE log_name = ? AND time_nanos < ?";
  }

  private String limit() {
    return this == GENERIC ? "FETCH FIRST ? ROWS ONLY" : "LIMIT ?";
  }

  private String limitOne() {
    return this == GENERIC ? "FETCH FIRST 1 ROWS ONLY" : "LIMIT 1";
  }

  /** The names of the two tables and the index, from a prefix. */
  record Tables(String prefix) {
    String logs() {
      return prefix + "event_logs";
    }

    String events() {
      return prefix + "events";
    }

    String timeIndex() {
      return prefix + "events_time";
    }

    /** The LISTEN/NOTIFY channel of these tables (every log in them). */
    String channel() {
      return prefix + "events";
    }
  }
}
