package io.switchboard.stream.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.switchboard.stream.ReplicaScenario;
import io.switchboard.stream.ReplicaService;
import io.switchboard.testing.GrpcExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three replicas in this JVM, each with its own {@link JdbcEventStore} instances over one H2
 * database, serving the log over Netty: the randomized multi-replica run, 50 times.
 */
class JdbcReplicasTest {
  static final int RUNS = 50;

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  static JdbcEventStore<String> open(DataSource db, String log) {
    return JdbcEventStore.newBuilder(db, JdbcStoreContract.CODEC)
        .logName(log)
        .pollInterval(Duration.ofMillis(10))
        .build();
  }

  @Test
  void threeReplicasOverOneH2Database() throws Exception {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:jdbc-replicas-test;DB_CLOSE_DELAY=-1");
    List<ReplicaService> replicas = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ReplicaService replica = grpc.register(new ReplicaService(log -> open(h2, log)));
      replicas.add(replica);
      channels.add(grpc.nettyServer(replica.definition()).newChannel());
    }
    ExecutorService threads = grpc.register(Executors.newCachedThreadPool());
    ReplicaScenario scenario = new ReplicaScenario(channels, threads);
    Random random = new Random();
    long seed = random.nextLong();
    random.setSeed(seed);
    for (int run = 0; run < RUNS; run++) {
      String log = "replicas-" + run + "-" + seed;
      try (JdbcEventStore<String> truth = open(h2, log)) {
        scenario.run(log, truth, scenario::stopLog, random);
      } catch (Exception | AssertionError e) {
        throw new AssertionError("run " + run + " (seed " + seed + ") failed", e);
      }
    }
    long fellBehind = 0;
    for (ReplicaService r : replicas) {
      fellBehind += r.fellBehind();
    }
    assertThat(fellBehind).as("slow readers fell behind live at least once").isPositive();
  }
}
