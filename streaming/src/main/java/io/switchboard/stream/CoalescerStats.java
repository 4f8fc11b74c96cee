package io.switchboard.stream;

import io.switchboard.core.ExperimentalApi;

/**
 * A snapshot of a {@link Coalescer}'s counters.
 *
 * @param messages messages added
 * @param batches batches handed to the sender
 * @param largestBatch the most messages in one batch so far
 * @param sentWhileIdle batches sent at once because the transport was idle (writable)
 * @param sentFull batches sent because they reached a bound
 * @param sentAfterMaxDelay batches sent because their oldest message waited the max delay
 * @param pending messages waiting for the next batch now
 */
@ExperimentalApi("follows Coalescer")
public record CoalescerStats(
    long messages,
    long batches,
    int largestBatch,
    long sentWhileIdle,
    long sentFull,
    long sentAfterMaxDelay,
    int pending) {}
