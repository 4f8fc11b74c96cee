package io.switchboard.stream.jdbc;

import javax.sql.DataSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The JDBC store on a real PostgreSQL server, live tail by LISTEN/NOTIFY. */
class PostgresEventStoreTest extends JdbcStoreContract {
  @RegisterExtension static final Postgres postgres = new Postgres();

  @Override
  DataSource dataSource() {
    return postgres.dataSource();
  }
}
