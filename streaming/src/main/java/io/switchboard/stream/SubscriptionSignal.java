package io.switchboard.stream;

import io.switchboard.core.ExperimentalApi;
import io.switchboard.core.internal.Checks;
import java.util.Objects;

/**
 * A change in how a {@link CatchUpSubscription} follows its log, told to the server code ({@link
 * CatchUpSubscription.Builder#listener}) and, as a marker message in the stream, to the client
 * ({@link CatchUpSubscription.Builder#signals}). They alternate: {@code CAUGHT_UP} when the
 * subscription has sent everything stored and follows the log live, {@code FELL_BEHIND} when its
 * live buffer overflowed and it reads the store again, then {@code CAUGHT_UP} again once it has
 * caught up, and so on.
 *
 * @param kind what happened
 * @param sequence the sequence of the last event the subscription handled (sent, or left out by the
 *     filter), 0 if none yet: a client that resumes from {@code sequence + 1} misses nothing
 * @param epoch the store's {@linkplain EventStore#epoch() epoch} when the subscription started
 *     ({@code ""} if the store cannot tell), for the client to keep with the sequence and pass back
 *     when it resumes
 */
@ExperimentalApi("follows CatchUpSubscription")
public record SubscriptionSignal(Kind kind, long sequence, String epoch) {
  /** What happened. */
  public enum Kind {
    /** Everything stored up to {@code sequence} was handled: live events follow. */
    CAUGHT_UP,
    /**
     * The live buffer overflowed (the client reads slower than events are appended): the
     * subscription reads from the store again after {@code sequence}, losing nothing.
     */
    FELL_BEHIND
  }

  /**
   * Checks the fields.
   *
   * @throws NullPointerException if the kind or epoch is null
   * @throws IllegalArgumentException if the sequence is negative
   */
  public SubscriptionSignal {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(epoch, "epoch");
    Checks.notNegative("sequence", sequence);
  }
}
