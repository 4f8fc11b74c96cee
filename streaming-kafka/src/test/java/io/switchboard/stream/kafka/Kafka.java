package io.switchboard.stream.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class the run's Kafka broker ({@link EmbeddedKafkaBroker}).
 *
 * <pre>{@code @RegisterExtension static final Kafka kafka = new Kafka();}</pre>
 */
final class Kafka implements BeforeAllCallback {
  private volatile EmbeddedKafkaBroker broker;

  @Override
  public void beforeAll(ExtensionContext context) {
    broker = EmbeddedKafkaBroker.get(context);
  }

  String bootstrapServers() {
    return broker().bootstrapServers();
  }

  Admin admin() {
    return broker().admin();
  }

  private EmbeddedKafkaBroker broker() {
    if (broker == null) {
      throw new IllegalStateException("register Kafka as a static @RegisterExtension field");
    }
    return broker;
  }
}
