package io.switchboard.stream.jdbc;

import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** The JDBC store on H2 (embedded, in memory): the default database. */
class H2EventStoreTest extends JdbcStoreContract {
  private static final JdbcDataSource H2 = new JdbcDataSource();

  static {
    // One in-memory database for the class, kept while the JVM runs; each test has its own log.
    H2.setURL("jdbc:h2:mem:h2-event-store-test;DB_CLOSE_DELAY=-1");
  }

  @Override
  DataSource dataSource() {
    return H2;
  }
}
