package io.switchboard.stream.jdbc;

import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The JDBC store on PostgreSQL with LISTEN turned off: the polling fallback. */
class PostgresPollingEventStoreTest extends JdbcStoreContract {
  @RegisterExtension static final Postgres postgres = new Postgres();

  @Override
  DataSource dataSource() {
    return postgres.dataSource();
  }

  @Override
  JdbcEventStore.Builder<String> builder() {
    return super.builder().listen(false).pollInterval(Duration.ofMillis(20));
  }
}
