/**
 * Test support for gRPC code, published for users too.
 *
 * <ul>
 *   <li>{@link io.switchboard.testing.GrpcExtension}: a JUnit 5 extension that starts in-process
 *       and Netty (loopback, ephemeral port) servers, hands out channels to them, and shuts every
 *       server, channel, executor and closeable down after each test.
 *   <li>{@link io.switchboard.testing.FaultProxy}: a loopback TCP proxy that passes traffic
 *       through, delays it, blackholes it, resets connections or refuses new ones, switchable while
 *       running.
 *   <li>{@link io.switchboard.testing.Await}: polls a condition nothing signals until a deadline,
 *       failing with what was awaited and what was last seen.
 *   <li>{@link io.switchboard.testing.EchoService}: a backend with one method of each call kind
 *       (echo, hang until released, flow-controlled count, join, chat, a slow reader) that records
 *       headers, deadlines and cancellations.
 *   <li>{@link io.switchboard.testing.TestMarshallers}: UTF-8 string and raw byte marshallers.
 *   <li>{@link io.switchboard.testing.Allocations}: the bytes a piece of work allocates on the
 *       calling thread, for tests of paths that promise to allocate nothing.
 * </ul>
 */
package io.switchboard.testing;
