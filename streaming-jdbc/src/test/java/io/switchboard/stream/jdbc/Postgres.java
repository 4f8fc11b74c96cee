package io.switchboard.stream.jdbc;

import javax.sql.DataSource;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class the run's PostgreSQL server ({@link EmbeddedPostgresServer}).
 *
 * <pre>{@code @RegisterExtension static final Postgres postgres = new Postgres();}</pre>
 */
final class Postgres implements BeforeAllCallback {
  private volatile EmbeddedPostgresServer server;

  @Override
  public void beforeAll(ExtensionContext context) {
    server = EmbeddedPostgresServer.get(context);
  }

  DataSource dataSource() {
    return server().dataSource();
  }

  String jdbcUrl() {
    return server().jdbcUrl();
  }

  private EmbeddedPostgresServer server() {
    if (server == null) {
      throw new IllegalStateException("register Postgres as a static @RegisterExtension field");
    }
    return server;
  }
}
