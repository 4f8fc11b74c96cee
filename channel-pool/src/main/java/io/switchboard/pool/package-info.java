/**
 * A health-checked, self-sizing pool of gRPC channels that is itself an {@link io.grpc.Channel}.
 *
 * <ul>
 *   <li>{@link io.switchboard.pool.ChannelPool}: the pool; any stub or client wraps it.
 *   <li>{@link io.switchboard.pool.ChannelPoolRegistry}: one pool per target, expired when unused.
 *   <li>{@link io.switchboard.pool.KeepAlivePreset}: client keepalive settings paired with the
 *       server policy that accepts them ({@link io.switchboard.pool.ClientKeepAlive}, {@link
 *       io.switchboard.pool.ServerKeepAlivePolicy}).
 *   <li>{@link io.switchboard.pool.PoolStats}, {@link io.switchboard.pool.ChannelStats}: what a
 *       pool holds and has done, for metrics and logs ({@link
 *       io.switchboard.pool.ChannelPool#stats()}).
 * </ul>
 *
 * <p>The rest of the package is package-private: {@code PoolSettings} (the immutable settings a
 * builder builds), {@code Picker} (power of two choices, affinity), {@code Maintainer} (the
 * rotation: growth, warm-up, swap, replacement, refresh, shrinking), {@code HealthChecker}
 * (grpc.health.v1), {@code PooledChannel} and {@code PooledCall} (counting calls per channel).
 */
package io.switchboard.pool;
