package io.switchboard.stream.kafka;

import io.grpc.ManagedChannel;
import io.switchboard.stream.ReplicaScenario;
import io.switchboard.stream.ReplicaService;
import io.switchboard.testing.GrpcExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three replicas in this JVM, each with its own {@link KafkaEventStore} instances over one topic
 * partition of the test broker, serving the log over Netty: the randomized multi-replica run, 50
 * times, each on a topic of its own.
 */
class KafkaReplicasTest {
  static final int RUNS = 50;

  @RegisterExtension static final Kafka kafka = new Kafka();
  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  static KafkaEventStore<String> open(String topic) {
    return KafkaEventStore.newBuilder(kafka.bootstrapServers(), topic, KafkaEventStoreTest.CODEC)
        .build();
  }

  @Test
  void threeReplicasOverOnePartition() throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ReplicaService replica = grpc.register(new ReplicaService(KafkaReplicasTest::open));
      channels.add(grpc.nettyServer(replica.definition()).newChannel());
    }
    ExecutorService threads = grpc.register(Executors.newCachedThreadPool());
    ReplicaScenario scenario = new ReplicaScenario(channels, threads);
    Random random = new Random();
    long seed = random.nextLong();
    random.setSeed(seed);
    for (int run = 0; run < RUNS; run++) {
      String topic = "replicas-" + run + "-" + Long.toHexString(seed);
      try (KafkaEventStore<String> truth = open(topic)) {
        scenario.run(topic, truth, scenario::stopLog, random);
      } catch (Exception | AssertionError e) {
        throw new AssertionError("run " + run + " (seed " + seed + ") failed", e);
      }
    }
    // (Unlike on H2, appends here come a produce round trip apart, too slowly to overflow a
    // reader's live buffer: the fall-behind path is exercised by the JDBC replicas test.)
  }
}
