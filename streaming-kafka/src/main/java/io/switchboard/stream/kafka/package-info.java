/**
 * An {@link io.switchboard.stream.EventStore} on a Kafka topic partition: {@link
 * io.switchboard.stream.kafka.KafkaEventStore}, shared by the replicas of a service, so that a
 * client can resume a catch-up subscription on any of them.
 */
package io.switchboard.stream.kafka;
