package io.switchboard.stream.jdbc;

import io.switchboard.stream.ReplicaProcess;
import io.switchboard.stream.ReplicaService;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The main class of a replica process of {@link PostgresReplicaProcessesTest}: serves {@link
 * ReplicaService} over {@link JdbcEventStore}s on the PostgreSQL server at the URL in {@code
 * args[0]} (live tail by LISTEN/NOTIFY).
 */
public final class JdbcReplicaMain {
  private JdbcReplicaMain() {}

  public static void main(String[] args) throws Exception {
    PGSimpleDataSource db = new PGSimpleDataSource();
    db.setURL(args[0]);
    ReplicaProcess.serve(
        new ReplicaService(
            log ->
                JdbcEventStore.newBuilder(db, JdbcStoreContract.CODEC)
                    .logName(log)
                    .maxConnections(2)
                    .pollInterval(Duration.ofMillis(20))
                    .build()));
  }
}
