package io.switchboard.examples.users;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * Where users live: an embedded H2 database in memory, reached through JDBC, created and seeded
 * with users 1..count when constructed (nothing to set up). Every 1999th row is stored corrupt (its
 * email is NULL), so that batch lookups show a per-item error next to found and not-found items.
 */
public final class UserRepository implements AutoCloseable {
  /** Connections kept by the pool: one per batch worker and a few for single lookups. */
  private static final int MAX_CONNECTIONS = 12;

  /** Rows with an id divisible by this are seeded corrupt. */
  static final long CORRUPT_EVERY = 1999;

  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final JdbcConnectionPool pool;

  /**
   * Creates a fresh in-memory database holding users 1..count.
   *
   * @throws IllegalArgumentException if count is negative
   * @throws IllegalStateException if the database cannot be created
   */
  public UserRepository(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count: " + count + " (expected: >= 0)");
    }
    String url = "jdbc:h2:mem:users-" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
    pool = JdbcConnectionPool.create(url, "sa", "");
    pool.setMaxConnections(MAX_CONNECTIONS);
    try (Connection c = pool.getConnection()) {
      try (Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL,"
                + " email VARCHAR(128), age INT NOT NULL, active BOOLEAN NOT NULL)");
      }
      c.setAutoCommit(false);
      try (PreparedStatement insert =
          c.prepareStatement("INSERT INTO users VALUES (?, ?, ?, ?, ?)")) {
        for (long id = 1; id <= count; id++) {
          insert.setLong(1, id);
          insert.setString(2, "user" + id);
          if (id % CORRUPT_EVERY == 0) {
            insert.setNull(3, Types.VARCHAR);
          } else {
            insert.setString(3, "user" + id + "@example.com");
          }
          insert.setInt(4, 20 + (int) (id % 50));
          insert.setBoolean(5, id % 7 != 0);
          insert.addBatch();
          if (id % 1000 == 0) {
            insert.executeBatch();
          }
        }
        insert.executeBatch();
      }
      c.commit();
    } catch (SQLException e) {
      pool.dispose();
      throw new IllegalStateException("could not create the users database: " + e, e);
    }
  }

  /**
   * Returns the user with this id, if any.
   *
   * @throws IllegalStateException if the row is corrupt or the database fails
   */
  public Optional<User> find(long id) {
    try (Connection c = pool.getConnection()) {
      return find(c, id);
    } catch (SQLException e) {
      throw new IllegalStateException("database error looking up user " + id + ": " + e, e);
    }
  }

  /**
   * Begins a transaction: a connection with auto-commit off. Commit or roll back, then close it.
   *
   * @throws SQLException if no connection can be had
   */
  public Connection beginTransaction() throws SQLException {
    Connection c = pool.getConnection();
    c.setAutoCommit(false);
    return c;
  }

  /**
   * Sets a user's email and active flag inside the given transaction.
   *
   * @return the updated user, or empty if there is no user with that id
   * @throws SQLException if the database fails
   */
  public Optional<User> update(Connection transaction, long id, String email, boolean active)
      throws SQLException {
    try (PreparedStatement update =
        transaction.prepareStatement("UPDATE users SET email = ?, active = ? WHERE id = ?")) {
      update.setString(1, email);
      update.setBoolean(2, active);
      update.setLong(3, id);
      if (update.executeUpdate() == 0) {
        return Optional.empty();
      }
    }
    return find(transaction, id);
  }

  private static Optional<User> find(Connection c, long id) throws SQLException {
    try (PreparedStatement query =
        c.prepareStatement("SELECT id, name, email, age, active FROM users WHERE id = ?")) {
      query.setLong(1, id);
      try (ResultSet row = query.executeQuery()) {
        if (!row.next()) {
          return Optional.empty();
        }
        String email = row.getString("email");
        if (email == null) {
          throw new IllegalStateException("row of user " + id + " is corrupt: email is NULL");
        }
        return Optional.of(
            new User(
                row.getLong("id"),
                row.getString("name"),
                email,
                row.getInt("age"),
                row.getBoolean("active")));
      }
    }
  }

  /** Drops the database and closes the pool. */
  @Override
  public void close() {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    } catch (SQLException e) {
      // Already shut down.
    }
    pool.dispose();
  }
}
