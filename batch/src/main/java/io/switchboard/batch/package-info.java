/**
 * Bounded batch fan-out with per-item outcomes as data.
 *
 * <ul>
 *   <li>{@link io.switchboard.batch.BatchExecutor}: runs a call per item or per batch over many
 *       inputs with a bound on calls in flight, retries, deadlines, fail-fast and progress, and
 *       reports every input exactly once in a {@link io.switchboard.batch.BatchResult} (or to a
 *       listener, for inputs too many to hold); configured by {@link
 *       io.switchboard.batch.BatchSettings}.
 *   <li>{@link io.switchboard.batch.BatchHandler}: the server side of a batch RPC, per item or all
 *       or nothing in one transaction.
 *   <li>{@link io.switchboard.batch.Batcher}: a thread-safe accumulate-and-flush batcher with a
 *       future per element that cannot deadlock.
 * </ul>
 *
 * <p>Everything else here is package-private: a run ({@code BatchRun}) reads its inputs with an
 * {@code InputReader} (batching, {@code Duplicates} for de-duplication), drives each {@code Batch}
 * through its states (attempts, timeouts, retries, aborts), classifies each answer with {@code
 * AttemptOutcome}, keeps at most a {@code Limiter}'s calls in flight, and reports every item once
 * to its {@code ResultLedger}; {@code CallShape} is the per-item or per-batch call. Types marked
 * {@link io.switchboard.core.ExperimentalApi} may still change.
 */
package io.switchboard.batch;
