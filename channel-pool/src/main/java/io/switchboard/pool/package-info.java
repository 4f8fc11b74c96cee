/**
 * A health-checked, self-sizing pool of channels that is itself an {@link io.grpc.Channel} (to be
 * built: issue 4).
 */
package io.switchboard.pool;
