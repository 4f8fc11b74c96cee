package io.switchboard.stream.kafka;

/**
 * The main class of the test broker's JVM: formats the KRaft storage for a new cluster, then runs
 * Kafka (broker and controller in one node) until the process is ended.
 *
 * <p>Arguments: the server.properties path, the cluster id.
 */
public final class KafkaBrokerMain {
  private KafkaBrokerMain() {}

  public static void main(String[] args) {
    String config = args[0];
    String clusterId = args[1];
    int formatted =
        kafka.tools.StorageTool.execute(
            new String[] {"format", "-t", clusterId, "-c", config}, System.out);
    if (formatted != 0) {
      System.err.println("kafka-storage format failed: " + formatted);
      System.exit(formatted);
    }
    kafka.Kafka.main(new String[] {config});
  }
}
