package io.switchboard.pool;

import io.grpc.ConnectivityState;
import io.switchboard.core.ExperimentalApi;
import java.time.Duration;
import java.util.Objects;

/**
 * One channel of a pool as {@link ChannelPool#stats()} saw it.
 *
 * @param id the channel's number in its pool, unique for the pool's life (replacements get new ids)
 * @param role whether the channel takes calls, is warming up to replace another, or is draining
 * @param state the channel's grpc connectivity state
 * @param health whether the pool considers the channel healthy
 * @param healthDetail why it is unhealthy, or the last health-check outcome; empty when nothing to
 *     say
 * @param callsInFlight calls started on the channel through the pool and not yet closed
 * @param callsStarted calls started on the channel through the pool since it was created
 * @param callsFailed calls on the channel that closed with a status other than OK
 * @param age time since the pool created the channel
 */
@ExperimentalApi("components may be added as the metrics seam grows (issue 12)")
public record ChannelStats(
    int id,
    Role role,
    ConnectivityState state,
    Health health,
    String healthDetail,
    int callsInFlight,
    long callsStarted,
    long callsFailed,
    Duration age) {

  /** What the pool does with a channel. */
  public enum Role {
    /** In rotation: picked for new calls while healthy. */
    ACTIVE,
    /** Connecting to replace a channel; joins the rotation once READY (and SERVING if checked). */
    WARMING,
    /** Out of rotation; shuts down when its calls in flight end. */
    DRAINING
  }

  /** The pool's view of a channel's health. */
  public enum Health {
    /**
     * No transport failure since it was last READY (or left idle by the pool, to connect on its
     * next call), and health checks (if any) pass.
     */
    HEALTHY,
    /** TRANSIENT_FAILURE since it was last READY, or the health check fails or says NOT_SERVING. */
    UNHEALTHY
  }

  /**
   * Checks the components.
   *
   * @throws NullPointerException if an object component is null
   */
  public ChannelStats {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(healthDetail, "healthDetail");
    Objects.requireNonNull(age, "age");
  }
}
