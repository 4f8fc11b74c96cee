/**
 * Backpressure-aware gRPC streams for grpc-java: nothing buffers past a bound.
 *
 * <ul>
 *   <li>{@link io.switchboard.stream.FlowControlledSender}: outbound, writes only while the call is
 *       ready; a buffer bounded by count and bytes with an {@link
 *       io.switchboard.stream.OverflowStrategy}; drops counted.
 *   <li>{@link io.switchboard.stream.StreamReceiver} (read on your thread) and {@link
 *       io.switchboard.stream.CallbackReceiver} (a handler per message): inbound, manual flow
 *       control with a bounded, adaptive window.
 *   <li>{@link io.switchboard.stream.Coalescer}: adaptive batching, singles when idle and batches
 *       under load.
 *   <li>{@link io.switchboard.stream.StreamRegistry}: active streams as a snapshot, an idle reaper,
 *       exactly-once cleanup.
 *   <li>{@link io.switchboard.stream.EventLog} and {@link
 *       io.switchboard.stream.CatchUpSubscription}: replay from a sequence or a time, then live,
 *       with no gap and no duplicate.
 *   <li>{@link io.switchboard.stream.FlowAdapters} and {@link
 *       io.switchboard.stream.StreamPublisher}: {@link java.util.concurrent.Flow} interop with
 *       demand tied to the transport.
 * </ul>
 *
 * <p>Everything else here is package-private: the sender's {@code OutboundBuffer}, the receivers'
 * shared {@code InboundWindow}, a live subscriber's {@code LiveBuffer}, the registry's {@code
 * BufferGauge}. Types marked {@link io.switchboard.core.ExperimentalApi} may still change.
 */
package io.switchboard.stream;
