package io.switchboard.stream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.MethodDescriptor;
import io.switchboard.stream.Event;
import io.switchboard.stream.EventStore;
import io.switchboard.stream.SharedEventStoreContract;
import io.switchboard.testing.Await;
import io.switchboard.testing.TestMarshallers;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Kafka store against a real broker (KRaft) started by the tests. */
class KafkaEventStoreTest extends SharedEventStoreContract {
  @RegisterExtension static final Kafka kafka = new Kafka();

  /** UTF-8 strings; refuses to read "unreadable", as a codec meeting bytes it cannot parse. */
  static final MethodDescriptor.Marshaller<String> CODEC =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return TestMarshallers.utf8().stream(value);
        }

        @Override
        public String parse(InputStream stream) {
          String s = TestMarshallers.utf8().parse(stream);
          if (s.equals("unreadable")) {
            throw new IllegalArgumentException("unreadable payload");
          }
          return s;
        }
      };

  KafkaEventStore.Builder<String> builder() {
    return KafkaEventStore.newBuilder(kafka.bootstrapServers(), "log-" + UUID.randomUUID(), CODEC);
  }

  @Override
  protected KafkaEventStore<String> newStore() {
    return closeAfter(builder().build());
  }

  @Override
  protected EventStore<String> openAgain(EventStore<String> store) {
    return closeAfter(((KafkaEventStore<String>) store).toBuilder().build());
  }

  @Override
  protected boolean millisecondTimes() {
    return true;
  }

  @Test
  void theSequenceIsTheOffsetPlusOne() throws Exception {
    KafkaEventStore<String> store = newStore();
    String topic = store.topicPartition().topic();
    try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
      for (int i = 0; i < 3; i++) {
        long offset =
            producer
                .send(new ProducerRecord<>(topic, 0, null, bytes("raw-" + i)))
                .get(30, TimeUnit.SECONDS)
                .offset();
        assertThat(offset).isEqualTo(i);
      }
    }
    assertThat(store.read(1, 10)).extracting(Event::sequence).containsExactly(1L, 2L, 3L);
    assertThat(store.read(2, 10)).extracting(Event::payload).containsExactly("raw-1", "raw-2");
    assertThat(store.append("mine", Instant.now()).sequence()).isEqualTo(4);
  }

  @Test
  void kafkasRetentionMovesTheFirstSequence() throws Exception {
    KafkaEventStore<String> store = newStore();
    for (int i = 1; i <= 20; i++) {
      store.append("e" + i, Instant.now());
    }
    try (Admin admin = kafka.admin()) {
      // What retention.ms / retention.bytes do when they delete a segment: the log start moves.
      admin
          .deleteRecords(Map.of(store.topicPartition(), RecordsToDelete.beforeOffset(12)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    assertThat(store.firstSequence()).isEqualTo(13);
    assertThat(store.lastSequence()).isEqualTo(20);
    assertThat(store.read(1, 100)).extracting(Event::sequence).containsExactly(seq(13, 20));
    assertThat(store.read(15, 2)).extracting(Event::sequence).containsExactly(15L, 16L);
  }

  @Test
  void aTopicDeletedAndCreatedAgainHasANewEpoch() throws Exception {
    KafkaEventStore<String> store = newStore();
    store.append("a", Instant.now());
    String before = store.epoch();
    String topic = store.topicPartition().topic();
    try (Admin admin = kafka.admin()) {
      admin.deleteTopics(Set.of(topic)).all().get(30, TimeUnit.SECONDS);
      Await.until(
          Duration.ofSeconds(30),
          () -> {
            try {
              return !admin.listTopics().names().get(5, TimeUnit.SECONDS).contains(topic);
            } catch (Exception e) {
              return false;
            }
          },
          () -> "topic " + topic + " still listed after its deletion");
    }
    KafkaEventStore<String> again = closeAfter(store.toBuilder().build()); // creates it anew
    assertThat(again.epoch()).isNotEqualTo(before);
    assertThat(again.lastSequence()).isZero();
  }

  @Test
  void awaitAfterWakesOnAnotherInstancesAppend() throws Exception {
    KafkaEventStore<String> watcher = newStore();
    EventStore<String> other = openAgain(watcher);
    assertThat(watcher.awaitAfter(0, Duration.ofMillis(100))).isZero(); // nothing yet
    CompletableFuture<Long> woke =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return watcher.awaitAfter(0, Duration.ofSeconds(30));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    other.append("x", Instant.now());
    assertThat(woke.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    // What the wait fetched is read without another fetch, from the same consumer.
    assertThat(watcher.read(1, 10)).extracting(Event::payload).containsExactly("x");
  }

  @Test
  void anUndecodablePayloadIsAnErrorNamingTheEvent() throws Exception {
    KafkaEventStore<String> store = newStore();
    store.append("fine", Instant.now());
    try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
      producer
          .send(new ProducerRecord<>(store.topicPartition().topic(), 0, null, bytes("unreadable")))
          .get(30, TimeUnit.SECONDS);
    }
    assertThat(store.read(1, 1)).extracting(Event::payload).containsExactly("fine");
    assertThatThrownBy(() -> store.read(1, 10))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot decode event 2 of " + store.topicPartition());
  }

  @Test
  void settingsAreChecked() {
    assertThatThrownBy(() -> KafkaEventStore.newBuilder("x:1", "bad topic", CODEC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topic: \"bad topic\" (expected: 1..249 of [a-zA-Z0-9._-])");
    assertThatThrownBy(() -> builder().partition(-1)).hasMessage("partition: -1 (expected: >= 0)");
    assertThatThrownBy(() -> builder().maxReaders(0)).hasMessage("maxReaders: 0 (expected: 1..64)");
    assertThatThrownBy(() -> builder().operationTimeout(Duration.ZERO))
        .hasMessage("operationTimeout: PT0S (expected: > 0)");
  }

  private KafkaProducer<byte[], byte[]> rawProducer() {
    return new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
