package io.switchboard.stream;

/**
 * A consistent snapshot of a {@link FlowControlledSender}'s counters.
 *
 * <p>Every message offered ends in exactly one place: {@code offered == sent + dropped + discarded
 * + rejected + buffered}.
 *
 * @param offered messages passed to {@link FlowControlledSender#send}
 * @param sent messages handed to the call's {@code onNext}
 * @param dropped messages given up by the overflow strategy (including {@code timedOut})
 * @param timedOut messages dropped because a {@link OverflowStrategy#BLOCK BLOCK} wait timed out
 * @param discarded buffered messages thrown away because the call was cancelled or failed at once
 * @param rejected messages offered after the call was cancelled or failed
 * @param buffered messages waiting in the buffer now
 * @param bufferedBytes bytes (by the size function) waiting in the buffer now
 * @param peakBuffered the most messages ever buffered at once
 * @param peakBufferedBytes the most bytes ever buffered at once
 */
public record SenderStats(
    long offered,
    long sent,
    long dropped,
    long timedOut,
    long discarded,
    long rejected,
    int buffered,
    long bufferedBytes,
    int peakBuffered,
    long peakBufferedBytes) {}
