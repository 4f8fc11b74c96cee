package io.switchboard.stream.kafka;

import io.grpc.MethodDescriptor;
import io.switchboard.core.internal.Checks;
import io.switchboard.stream.Event;
import io.switchboard.stream.EventStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * An {@link EventStore} on one partition of a Kafka topic, shared by every process that opens it:
 * the replicas of a service produce to it and replay from it, and each sees the partition's order.
 *
 * <pre>{@code
 * KafkaEventStore<LogLine> store =
 *     KafkaEventStore.newBuilder("127.0.0.1:9092", "app-logs", MessagePackMarshaller.of(LogLine.class))
 *         .build();
 * EventLog<LogLine> log = EventLog.over(store);
 * }</pre>
 *
 * <p><b>Sequence = offset + 1.</b> One topic partition is one log; the event at offset {@code n}
 * has sequence {@code n + 1} (sequences start at 1, offsets at 0). This holds while offsets have no
 * holes, so the topic must not be compacted ({@code cleanup.policy=delete}, Kafka's default) nor
 * written with transactions (their commit markers take offsets). A read stops at a hole; the next
 * read then starts after it, as after an eviction.
 *
 * <p><b>Appends</b> are produced with idempotence and {@code acks=all}, and return once Kafka has
 * them: the offset Kafka gave is the sequence. A produce that times out may still land later.
 * <b>Reads</b> are consumed by a few consumers assigned to the partition, without a group and
 * without committing offsets: a read positions one with {@code seek} (or takes the one already
 * where the read starts, so a replay reading page after page never seeks). <b>Live tail</b>: {@link
 * #awaitAfter} long-polls a consumer at the end of the log and keeps what arrives for the next
 * read.
 *
 * <p><b>Times</b> are the record timestamps, in milliseconds: the appender's time ({@code
 * CreateTime}, Kafka's default), so with several appenders whose clocks differ a time may be
 * earlier than the one before it; {@link #sequenceAt} is Kafka's {@code offsetsForTimes}: the first
 * event whose time is at or after the given one. A topic with {@code
 * message.timestamp.type=LogAppendTime} gets the broker's time instead, in order.
 *
 * <p><b>Retention is Kafka's</b> ({@code retention.ms}, {@code retention.bytes} on the topic):
 * {@link #firstSequence()} follows the log start offset. <b>Epoch</b>: the topic's id, which a
 * topic deleted and created again does not keep.
 *
 * <p>Kafka failures surface as {@link IllegalStateException}s naming the topic, partition and
 * operation, with Kafka's exception as the cause. Thread-safe. Close it to close its clients.
 *
 * @param <E> the payload type
 */
public final class KafkaEventStore<E> implements EventStore<E>, AutoCloseable {
  /**
   * Default consumers kept for reads: 4, one for the live tail and three for replays at once; a
   * read needing another waits for one to be free.
   */
  public static final int DEFAULT_MAX_READERS = 4;

  /**
   * Default time an operation may take: 30 s, Kafka's own default request timeout; past it the
   * operation fails instead of hanging.
   */
  public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(30);

  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private final Builder<E> settings;
  private final String topic;
  private final TopicPartition partition;
  private final MethodDescriptor.Marshaller<E> codec;
  private final Duration timeout;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Admin admin;
  private final Readers readers;

  private KafkaEventStore(Builder<E> b) {
    this.settings = b.copy();
    this.topic = b.topic;
    this.partition = new TopicPartition(b.topic, b.partition);
    this.codec = b.codec;
    this.timeout = b.operationTimeout;
    Map<String, Object> common = new HashMap<>(b.clientProperties);
    common.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
    common.put(
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
        (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    Admin createdAdmin = null;
    KafkaProducer<byte[], byte[]> createdProducer = null;
    try {
      createdAdmin = Admin.create(adminProperties(common));
      if (b.createTopic) {
        createTopicIfMissing(createdAdmin, b);
      }
      createdProducer =
          new KafkaProducer<>(
              producerProperties(common), new ByteArraySerializer(), new ByteArraySerializer());
      this.readers = new Readers(consumerProperties(common), partition, b.maxReaders, timeout);
    } catch (RuntimeException e) {
      if (createdProducer != null) {
        createdProducer.close(Duration.ZERO);
      }
      if (createdAdmin != null) {
        createdAdmin.close(Duration.ZERO);
      }
      throw e;
    }
    this.admin = createdAdmin;
    this.producer = createdProducer;
  }

  /**
   * Starts building a store on partition 0 of {@code topic} at {@code bootstrapServers}, with
   * payloads turned into bytes by {@code codec} (for instance {@code
   * MessagePackMarshaller.of(LogLine.class)}).
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the topic name is not a valid Kafka topic name
   */
  public static <E> Builder<E> newBuilder(
      String bootstrapServers, String topic, MethodDescriptor.Marshaller<E> codec) {
    return new Builder<>(bootstrapServers, topic, codec);
  }

  /** Returns a builder with this store's settings, for instance to open another partition. */
  public Builder<E> toBuilder() {
    return settings.copy();
  }

  /** Returns the topic partition this store reads and appends. */
  public TopicPartition topicPartition() {
    return partition;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The record's timestamp is {@code timestamp} in milliseconds (or the broker's time if the
   * topic says {@code LogAppendTime}); the returned event has the stored time.
   *
   * @throws IllegalStateException if Kafka fails or does not answer within the operation timeout
   */
  @Override
  public Event<E> append(E payload, Instant timestamp) {
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(timestamp, "timestamp");
    byte[] bytes = encode(payload);
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(topic, partition.partition(), timestamp.toEpochMilli(), null, bytes);
    try {
      RecordMetadata sent = producer.send(record).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      long sequence = sent.offset() + 1;
      readers.stored(sequence);
      return new Event<>(sequence, Instant.ofEpochMilli(sent.timestamp()), payload);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure("append to", e);
    } catch (ExecutionException e) {
      throw failure("append to", e.getCause());
    } catch (TimeoutException e) {
      throw failure("append to (it may still land)", e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if Kafka fails, a payload cannot be decoded, or no consumer was
   *     free within the operation timeout
   */
  @Override
  public List<Event<E>> read(long fromSequence, int maxEvents) {
    if (maxEvents <= 0) {
      return List.of();
    }
    long from = Math.max(0, fromSequence - 1);
    try {
      List<Readers.Record> records = readers.read(from, maxEvents);
      List<Event<E>> page = new ArrayList<>(records.size());
      for (Readers.Record r : records) {
        long sequence = r.offset() + 1;
        page.add(
            new Event<>(
                sequence, Instant.ofEpochMilli(r.timestamp()), decode(sequence, r.value())));
      }
      return page;
    } catch (RuntimeException e) {
      throw e instanceof IllegalStateException ise ? ise : failure("read", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure("read (interrupted)", e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The partition's log start offset + 1: it moves with Kafka's retention.
   *
   * @throws IllegalStateException if Kafka fails
   */
  @Override
  public long firstSequence() {
    try {
      return readers.beginningOffset() + 1;
    } catch (RuntimeException | InterruptedException e) {
      throw failure("find the start of", e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The partition's end offset (its high watermark).
   *
   * @throws IllegalStateException if Kafka fails
   */
  @Override
  public long lastSequence() {
    try {
      return readers.endOffset();
    } catch (RuntimeException | InterruptedException e) {
      throw failure("find the end of", e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Kafka's {@code offsetsForTimes}, at the millisecond at or after {@code time}.
   *
   * @throws IllegalStateException if Kafka fails
   */
  @Override
  public long sequenceAt(Instant time) {
    Objects.requireNonNull(time, "time");
    long millis;
    try {
      millis = time.toEpochMilli() + (time.getNano() % 1_000_000 == 0 ? 0 : 1); // round up
    } catch (ArithmeticException beyondMillis) {
      return time.isBefore(Instant.EPOCH) ? firstSequence() : lastSequence() + 1;
    }
    try {
      OffsetAndTimestamp found = readers.offsetForTime(Math.max(0, millis));
      return found == null ? lastSequence() + 1 : found.offset() + 1;
    } catch (RuntimeException | InterruptedException e) {
      throw failure("find a time in", e);
    }
  }

  /**
   * Returns the log's epoch: the topic's id, which changes if the topic is deleted and created
   * again.
   *
   * @throws IllegalStateException if Kafka fails or the topic does not exist
   */
  @Override
  public String epoch() {
    try {
      TopicDescription d =
          admin
              .describeTopics(Set.of(topic))
              .topicNameValues()
              .get(topic)
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return d.topicId().toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure("describe", e);
    } catch (ExecutionException e) {
      throw failure("describe", e.getCause());
    } catch (TimeoutException e) {
      throw failure("describe", e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>True: every process that opens the same log appends to it, so an {@link
   * io.switchboard.stream.EventLog} over this store follows it for live events.
   */
  @Override
  public boolean isShared() {
    return true;
  }

  /**
   * Waits until an event after {@code sequence} is stored, by this process or another, or until the
   * timeout passes: a consumer long-polls at that point of the log and keeps what arrives for the
   * next read.
   *
   * @return the newest sequence known to be stored (at least {@code sequence + 1} unless the wait
   *     timed out)
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if Kafka fails
   */
  @Override
  public long awaitAfter(long sequence, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    return readers.awaitAfter(Math.max(0, sequence), timeout);
  }

  /** Closes the producer, the consumers and the admin client. Idempotent. */
  @Override
  public void close() {
    producer.close(timeout);
    readers.close();
    admin.close(timeout);
  }

  @Override
  public String toString() {
    return "KafkaEventStore{" + partition + "}";
  }

  private void createTopicIfMissing(Admin a, Builder<E> b) {
    NewTopic newTopic = new NewTopic(topic, Optional.of(b.partition + 1), b.replicationFactor);
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      a.createTopics(List.of(newTopic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw failure("create the topic of", e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure("create the topic of", e);
    } catch (TimeoutException e) {
      throw failure("create the topic of", e);
    }
    // A new topic reaches the brokers' metadata a moment after the controller made it: wait for
    // its partition to have a leader, so the first append and read do not wait in retries.
    for (; ; ) {
      try {
        TopicDescription d =
            a.describeTopics(Set.of(topic))
                .topicNameValues()
                .get(topic)
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (d.partitions().size() > b.partition
            && d.partitions().get(b.partition).leader() != null) {
          return;
        }
      } catch (ExecutionException notYet) {
        // UnknownTopicOrPartition while the metadata spreads: look again.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw failure("create the topic of", e);
      } catch (TimeoutException e) {
        throw failure("create the topic of", e);
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "event store: " + partition + " has no leader " + timeout + " after its creation");
      }
      try {
        Thread.sleep(10); // polling the brokers' metadata until the deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw failure("create the topic of", e);
      }
    }
  }

  private static Map<String, Object> adminProperties(Map<String, Object> common) {
    Map<String, Object> p = new HashMap<>(common);
    p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "switchboard-event-store-admin");
    return p;
  }

  private static Map<String, Object> producerProperties(Map<String, Object> common) {
    Map<String, Object> p = new HashMap<>(common);
    p.remove(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true); // no duplicate on a retried send
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0); // one append at a time: send at once
    p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "switchboard-event-store-producer");
    return p;
  }

  private static Map<String, Object> consumerProperties(Map<String, Object> common) {
    Map<String, Object> p = new HashMap<>(common);
    p.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned, not subscribed: no group, no commits
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"); // evicted: read from the start
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "switchboard-event-store-reader");
    return p;
  }

  private byte[] encode(E payload) {
    try (InputStream in = codec.stream(payload)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a payload for " + partition, e);
    }
  }

  private E decode(long sequence, byte[] bytes) {
    if (bytes == null) {
      throw new IllegalStateException(
          "cannot decode event " + sequence + " of " + partition + ": a record without a value");
    }
    try {
      return Objects.requireNonNull(
          codec.parse(new ByteArrayInputStream(bytes)), "codec returned null");
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot decode event " + sequence + " of " + partition + ": " + e, e);
    }
  }

  private IllegalStateException failure(String operation, Throwable cause) {
    return new IllegalStateException(
        "event store: cannot " + operation + " " + partition + ": " + cause, cause);
  }

  /**
   * Builds a {@link KafkaEventStore}. Each setter checks its argument at once.
   *
   * @param <E> the payload type
   */
  public static final class Builder<E> {
    private final String bootstrapServers;
    private final String topic;
    private final MethodDescriptor.Marshaller<E> codec;
    private int partition;
    private boolean createTopic = true;
    private Optional<Short> replicationFactor = Optional.empty();
    private int maxReaders = DEFAULT_MAX_READERS;
    private Duration operationTimeout = DEFAULT_OPERATION_TIMEOUT;
    private Map<String, Object> clientProperties = Map.of();

    private Builder(String bootstrapServers, String topic, MethodDescriptor.Marshaller<E> codec) {
      this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
      this.topic = Objects.requireNonNull(topic, "topic");
      this.codec = Objects.requireNonNull(codec, "codec");
      if (!TOPIC.matcher(topic).matches()) {
        throw new IllegalArgumentException(
            "topic: \"" + topic + "\" (expected: 1..249 of [a-zA-Z0-9._-])");
      }
    }

    private Builder<E> copy() {
      Builder<E> b = new Builder<>(bootstrapServers, topic, codec);
      b.partition = partition;
      b.createTopic = createTopic;
      b.replicationFactor = replicationFactor;
      b.maxReaders = maxReaders;
      b.operationTimeout = operationTimeout;
      b.clientProperties = clientProperties;
      return b;
    }

    /**
     * Sets the partition that holds the log (0 by default).
     *
     * @throws IllegalArgumentException if {@code partition < 0}
     */
    public Builder<E> partition(int partition) {
      this.partition = Checks.notNegative("partition", partition);
      return this;
    }

    /**
     * Whether {@link #build()} creates the topic if it does not exist (true by default), with
     * {@code partition + 1} partitions and the broker's default replication factor unless {@link
     * #replicationFactor} says otherwise; retention and the rest are the broker's defaults.
     */
    public Builder<E> createTopic(boolean create) {
      this.createTopic = create;
      return this;
    }

    /**
     * Sets the replication factor of a topic {@link #build()} creates.
     *
     * @throws IllegalArgumentException if {@code factor < 1}
     */
    public Builder<E> replicationFactor(short factor) {
      this.replicationFactor = Optional.of((short) Checks.positive("replicationFactor", factor));
      return this;
    }

    /**
     * Sets how many consumers the store keeps for reads ({@value #DEFAULT_MAX_READERS} by default).
     *
     * @throws IllegalArgumentException if {@code readers} is not in 1..64
     */
    public Builder<E> maxReaders(int readers) {
      this.maxReaders = Checks.inRange("maxReaders", readers, 1, 64);
      return this;
    }

    /**
     * Sets how long one operation may take ({@link #DEFAULT_OPERATION_TIMEOUT}).
     *
     * @throws IllegalArgumentException if the timeout is not positive
     */
    public Builder<E> operationTimeout(Duration timeout) {
      this.operationTimeout = Checks.positive("operationTimeout", timeout);
      return this;
    }

    /**
     * Adds Kafka client settings for the producer, consumers and admin client alike (security,
     * client ids...). The store's own settings (idempotence, {@code acks=all}, no consumer group,
     * byte serializers) win over these.
     *
     * @throws NullPointerException if the map or a key or value is null
     */
    public Builder<E> clientProperties(Map<String, ?> properties) {
      this.clientProperties = Map.copyOf(properties);
      return this;
    }

    /**
     * Opens the store: creates the topic if asked and it is missing, and the Kafka clients.
     *
     * @return the store, to close when done
     * @throws IllegalStateException if Kafka fails
     */
    public KafkaEventStore<E> build() {
      return new KafkaEventStore<>(this);
    }
  }
}
