package io.switchboard.stream;

import io.switchboard.core.internal.Checks;
import java.time.Instant;
import java.util.Objects;

/**
 * One entry of an {@link EventLog}: its payload with the sequence number and time the log gave it.
 * Sequence numbers start at 1 and go up by one per event, with no holes.
 *
 * @param sequence the event's position in the log, from 1
 * @param timestamp when it was appended
 * @param payload the event itself
 * @param <E> the payload type
 */
public record Event<E>(long sequence, Instant timestamp, E payload) {
  /**
   * Checks the fields.
   *
   * @throws IllegalArgumentException if the sequence is not positive
   * @throws NullPointerException if the timestamp or payload is null
   */
  public Event {
    Checks.positive("sequence", sequence);
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(payload, "payload");
  }
}
