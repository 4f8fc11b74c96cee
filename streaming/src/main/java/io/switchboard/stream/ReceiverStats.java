package io.switchboard.stream;

/**
 * A snapshot of a {@link StreamReceiver}'s counters.
 *
 * @param requested messages requested from the peer so far
 * @param received messages that arrived
 * @param consumed messages handed to the consumer
 * @param discarded messages thrown away because the consumer failed or cancelled
 * @param buffered messages waiting for the consumer now
 * @param peakBuffered the most messages ever waiting at once (never above the max window)
 * @param window the current window
 */
public record ReceiverStats(
    long requested,
    long received,
    long consumed,
    long discarded,
    int buffered,
    int peakBuffered,
    int window) {}
