package io.switchboard.stream.kafka;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka broker (KRaft: broker and controller in one node) in a child JVM, from the Kafka
 * server jars the tests depend on (no Docker, nothing installed): a generated config, listeners on
 * 127.0.0.1 at free ports, data in a temporary directory, deleted when it stops. The tests share
 * one per run ({@link Kafka}); {@code EventStoreBenchmark} starts one of its own (this class is in
 * the module's test jar for it).
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final Duration STARTUP = Duration.ofSeconds(120);

  private final Path dir;
  private final Process process;
  private final String bootstrapServers;

  private EmbeddedKafkaBroker() throws IOException, InterruptedException {
    dir = Files.createTempDirectory("switchboard-kafka-");
    int port = freeLoopbackPort();
    int controllerPort = freeLoopbackPort();
    bootstrapServers = "127.0.0.1:" + port;
    Path config = dir.resolve("server.properties");
    Files.writeString(
        config,
        String.join(
            "\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + dir.resolve("data"),
            "num.partitions=1",
            "auto.create.topics.enable=false",
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "log.retention.check.interval.ms=1000",
            ""),
        StandardCharsets.UTF_8);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-Xmx512m");
    command.add("-XX:+UseSerialGC"); // two shared cores: no parallel GC threads fighting the tests
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    command.add("-cp");
    // Surefire's test classpath (its JVM may show only a manifest jar), else this JVM's own.
    String cp = System.getProperty("surefire.test.class.path");
    command.add(cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path"));
    command.add(KafkaBrokerMain.class.getName());
    command.add(config.toString());
    command.add(Uuid.randomUuid().toString());
    Path log = dir.resolve("broker.log");
    process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      awaitReady(log);
    } catch (IOException | InterruptedException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Starts a broker and waits (up to 2 minutes) until it answers.
   *
   * @throws IllegalStateException if it exits or does not answer in time, with its log's tail
   */
  public static EmbeddedKafkaBroker start() throws IOException, InterruptedException {
    return new EmbeddedKafkaBroker();
  }

  /** {@code 127.0.0.1:port}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** An admin client for the test to close. */
  Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
  }

  private void awaitReady(Path log) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1_000))) {
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "Kafka exited with " + process.exitValue() + ":\n" + tail(log));
        }
        try {
          if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (Exception notYet) {
          // Still starting: ask again until the deadline.
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              "Kafka did not answer within " + STARTUP + ":\n" + tail(log));
        }
        Thread.sleep(100); // polling the broker's readiness with a deadline
      }
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  /** Stops the broker (SIGTERM, then SIGKILL after 15 s) and deletes its data. */
  @Override
  public void close() throws IOException {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
