package io.switchboard.stream.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * {@code LISTEN} on a connection of its own, through the PostgreSQL driver (the only class of this
 * module that needs it: it is loaded only when the database is PostgreSQL).
 *
 * <p>Appends notify on the channel of their tables with {@code "<sequence>:<log name>"}, when they
 * commit; a listener keeps the highest sequence of its log.
 */
final class PostgresNotifications {
  private final PGConnection pg;
  private final String logName;

  PostgresNotifications(Connection connection, String channel, String logName) throws SQLException {
    this.pg = connection.unwrap(PGConnection.class);
    this.logName = logName;
    try (Statement s = connection.createStatement()) {
      s.execute("LISTEN " + channel); // channel: a checked lower-case identifier
    }
  }

  /**
   * Waits up to {@code timeoutMillis} for notifications.
   *
   * @return the highest sequence notified for this log, or -1 if none came
   */
  long await(int timeoutMillis) throws SQLException {
    PGNotification[] notifications = pg.getNotifications(timeoutMillis);
    long highest = -1;
    if (notifications != null) {
      for (PGNotification n : notifications) {
        String p = n.getParameter();
        int colon = p.indexOf(':');
        if (colon > 0
            && p.regionMatches(colon + 1, logName, 0, logName.length())
            && p.length() == colon + 1 + logName.length()) {
          try {
            highest = Math.max(highest, Long.parseLong(p, 0, colon, 10));
          } catch (NumberFormatException ignored) {
            // Not one of ours: someone else notifies on this channel.
          }
        }
      }
    }
    return highest;
  }
}
