package io.switchboard.gateway;

import io.grpc.Status;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of one route's counters since the gateway started.
 *
 * @param route the route's name
 * @param calls calls routed here (started), including those that failed at once
 * @param callsByProtocol the calls by the protocol they came in (protocols never seen are absent)
 * @param inFlight calls started and not yet closed
 * @param failures calls closed with a status other than OK, by code (codes never seen are absent)
 * @param requestBytes message bytes forwarded from clients to the backend
 * @param responseBytes message bytes forwarded from the backend to clients
 */
public record RouteMetrics(
    String route,
    long calls,
    Map<Protocol, Long> callsByProtocol,
    long inFlight,
    Map<Status.Code, Long> failures,
    long requestBytes,
    long responseBytes) {

  /**
   * Creates a snapshot; the maps are copied.
   *
   * @throws NullPointerException if the route or a map is null
   */
  public RouteMetrics {
    Objects.requireNonNull(route, "route");
    callsByProtocol = Map.copyOf(callsByProtocol);
    failures = Map.copyOf(failures);
  }

  /** Returns how many calls came in over the given protocol. */
  public long calls(Protocol protocol) {
    return callsByProtocol.getOrDefault(protocol, 0L);
  }

  /** Returns the number of calls that closed with a status other than OK. */
  public long failed() {
    return failures.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Returns how many calls closed with the given code (0 for {@code OK}: see {@link #failed}). */
  public long failures(Status.Code code) {
    return failures.getOrDefault(code, 0L);
  }
}
