/**
 * A health-checked, self-sizing pool of gRPC channels that is itself an {@link io.grpc.Channel}.
 *
 * <ul>
 *   <li>{@link io.switchboard.pool.ChannelPool}: the pool; any stub or client wraps it.
 *   <li>{@link io.switchboard.pool.ChannelPoolRegistry}: one pool per target, expired when unused.
 *   <li>{@link io.switchboard.pool.KeepAlivePreset}: client keepalive settings paired with the
 *       server policy that accepts them ({@link io.switchboard.pool.ClientKeepAlive}, {@link
 *       io.switchboard.pool.ServerKeepAlivePolicy}).
 *   <li>{@link io.switchboard.pool.PoolSnapshot}, {@link io.switchboard.pool.ChannelSnapshot}: what
 *       a pool holds and has done, for metrics and logs.
 * </ul>
 */
package io.switchboard.pool;
