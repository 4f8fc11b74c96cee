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
 */
package io.switchboard.batch;
