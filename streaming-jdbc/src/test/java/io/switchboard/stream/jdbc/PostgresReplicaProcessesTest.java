package io.switchboard.stream.jdbc;

import io.grpc.ManagedChannel;
import io.switchboard.stream.ReplicaProcess;
import io.switchboard.stream.ReplicaScenario;
import io.switchboard.testing.GrpcExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three replicas in three processes of their own ({@link JdbcReplicaMain}), over one real
 * PostgreSQL (live tail by LISTEN/NOTIFY): the randomized multi-replica run, 50 times, each run on
 * a log of its own. In the first 49 runs the victim replica stops the run's log (as a stopping
 * server would); in the last one its process is killed (SIGKILL), mid-run.
 */
class PostgresReplicaProcessesTest {
  static final int RUNS = 50;

  @RegisterExtension static final Postgres postgres = new Postgres();
  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  @Test
  void threeReplicaProcessesOverOnePostgres() throws Exception {
    List<ReplicaProcess> processes = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ReplicaProcess p =
          grpc.register(ReplicaProcess.start(JdbcReplicaMain.class, postgres.jdbcUrl()));
      processes.add(p);
      channels.add(grpc.register(p.channel()));
    }
    ExecutorService threads = grpc.register(Executors.newCachedThreadPool());
    ReplicaScenario scenario = new ReplicaScenario(channels, threads);
    Random random = new Random();
    long seed = random.nextLong();
    random.setSeed(seed);
    for (int run = 0; run < RUNS; run++) {
      String log = "processes-" + run + "-" + seed;
      boolean last = run == RUNS - 1;
      ReplicaScenario.Stopper stopper =
          last ? (replica, l) -> processes.get(replica).kill() : scenario::stopLog;
      try (JdbcEventStore<String> truth =
          JdbcEventStore.newBuilder(postgres.dataSource(), JdbcStoreContract.CODEC)
              .logName(log)
              .build()) {
        scenario.run(log, truth, stopper, random);
      } catch (Exception | AssertionError e) {
        throw new AssertionError("run " + run + " (seed " + seed + ") failed", e);
      }
    }
  }
}
