package io.switchboard.stream;

/**
 * A snapshot of a {@link Coalescer}'s counters.
 *
 * @param messages messages added
 * @param batches batches handed to the sender
 * @param largestBatch the most messages in one batch so far
 * @param sentWhileIdle batches sent at once because the transport was idle (writable)
 * @param sentFull batches sent because they reached a bound
 * @param sentAfterLinger batches sent because their oldest message waited the linger time
 * @param pending messages waiting for the next batch now
 */
public record CoalescerStats(
    long messages,
    long batches,
    int largestBatch,
    long sentWhileIdle,
    long sentFull,
    long sentAfterLinger,
    int pending) {}
