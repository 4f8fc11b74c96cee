package io.switchboard.stream;

import io.switchboard.core.ExperimentalApi;

/**
 * A snapshot of a {@link CatchUpSubscription}'s progress.
 *
 * @param nextSequence the sequence of the next event it will look at
 * @param delivered events sent to the subscriber
 * @param skipped events read but left out by the filter
 * @param checkpoints checkpoint messages sent
 * @param replayed events delivered from the store (history), a subset of {@code delivered}
 * @param fallbacks times the live buffer overflowed and the subscription went back to the store
 * @param live whether it currently follows the log live
 */
@ExperimentalApi("follows CatchUpSubscription")
public record SubscriptionStats(
    long nextSequence,
    long delivered,
    long skipped,
    long checkpoints,
    long replayed,
    long fallbacks,
    boolean live) {}
