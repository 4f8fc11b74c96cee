package io.switchboard.batch;

import io.switchboard.core.ExperimentalApi;

/**
 * A snapshot of a run's progress, for progress bars and logs.
 *
 * @param total the number of inputs, or -1 if not known (iterator input)
 * @param done items reported so far: {@code succeeded + failed + notAttempted}
 * @param succeeded items that succeeded
 * @param failed items that failed
 * @param notAttempted items never sent because the run stopped
 * @param callsInFlight calls (batches, or items in per-item mode) in flight, waiting to retry
 *     included
 * @param concurrencyLimit the current limit on calls in flight
 */
@ExperimentalApi("components may be added as the metrics seam grows (issue 12)")
public record BatchProgress(
    long total,
    long done,
    long succeeded,
    long failed,
    long notAttempted,
    int callsInFlight,
    int concurrencyLimit) {}
