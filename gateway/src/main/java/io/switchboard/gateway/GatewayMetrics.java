package io.switchboard.gateway;

import io.grpc.Status;
import io.switchboard.core.metrics.Instrument;
import io.switchboard.core.metrics.MetricSink;
import io.switchboard.core.metrics.Registration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The gateway's instruments through the metrics seam: observed from each route's {@link
 * RouteMetrics} when metrics are collected, so calls pay nothing for them. Attributes: the route,
 * the protocol ({@code grpc}, {@code grpc_web}, {@code json}), the status code and the direction of
 * bytes.
 */
final class GatewayMetrics {
  static final String ROUTE = "switchboard.gateway.route";
  static final String PROTOCOL = "switchboard.gateway.protocol";
  static final String CODE = "rpc.grpc.status_code";
  static final String DIRECTION = "switchboard.gateway.direction";

  static final Instrument CALLS =
      Instrument.observedCounter(
          "switchboard.gateway.calls",
          "{call}",
          "Calls routed, by route and by the protocol they came in (grpc, grpc_web, json).",
          ROUTE,
          PROTOCOL);
  static final Instrument IN_FLIGHT =
      Instrument.observedUpDownCounter(
          "switchboard.gateway.calls.in_flight",
          "{call}",
          "Calls started and not yet closed.",
          ROUTE);
  static final Instrument FAILURES =
      Instrument.observedCounter(
          "switchboard.gateway.failures",
          "{call}",
          "Calls closed with a status other than OK, by code.",
          ROUTE,
          CODE);
  static final Instrument BYTES =
      Instrument.observedCounter(
          "switchboard.gateway.message.bytes",
          "By",
          "Message bytes forwarded: request (client to backend) and response.",
          ROUTE,
          DIRECTION);

  /** Every instrument of the gateway, for the README's table. */
  static final List<Instrument> ALL = List.of(CALLS, IN_FLIGHT, FAILURES, BYTES);

  private final List<Registration> registrations = new ArrayList<>();

  /** Observes each route's counters through the sink. */
  GatewayMetrics(MetricSink sink, List<RouteHandler> routes) {
    if (sink.isNoop()) {
      return;
    }
    for (RouteHandler route : routes) {
      String name = route.name();
      Supplier<RouteMetrics> snapshot = () -> route.counters().snapshot();
      for (Protocol protocol : Protocol.values()) {
        observe(
            sink,
            CALLS,
            snapshot,
            m -> m.calls(protocol),
            name,
            protocol.name().toLowerCase(Locale.ROOT));
      }
      observe(sink, IN_FLIGHT, snapshot, RouteMetrics::inFlight, name);
      for (Status.Code code : Status.Code.values()) {
        if (code != Status.Code.OK) {
          observe(
              sink,
              FAILURES,
              snapshot,
              m -> m.failures(code),
              name,
              Integer.toString(code.value()));
        }
      }
      observe(sink, BYTES, snapshot, RouteMetrics::requestBytes, name, "request");
      observe(sink, BYTES, snapshot, RouteMetrics::responseBytes, name, "response");
    }
  }

  private void observe(
      MetricSink sink,
      Instrument instrument,
      Supplier<RouteMetrics> snapshot,
      ToLongFunction<RouteMetrics> value,
      String... attributes) {
    registrations.add(
        sink.observe(instrument, () -> value.applyAsLong(snapshot.get()), attributes));
  }

  /** Stops observing: a stopped gateway leaves no series behind. */
  void close() {
    registrations.forEach(Registration::close);
  }
}
