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
 * </ul>
 */
package io.switchboard.testing;
