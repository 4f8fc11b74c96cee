package io.switchboard.stream.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
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
    // One per test run: started by the first test class that asks, stopped and deleted when the
    // run ends (JUnit closes what the root store holds).
    broker =
        context
            .getRoot()
            .getStore(ExtensionContext.Namespace.GLOBAL)
            .getOrComputeIfAbsent(
                EmbeddedKafkaBroker.class,
                k -> {
                  try {
                    return EmbeddedKafkaBroker.start();
                  } catch (IOException e) {
                    throw new UncheckedIOException("Kafka did not start", e);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while starting Kafka", e);
                  }
                },
                EmbeddedKafkaBroker.class);
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
