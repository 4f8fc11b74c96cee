package io.switchboard.gateway;

import io.grpc.Status;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link RouteMetrics}; written by calls on many threads at once. */
final class RouteCounters {
  private final String route;
  private final LongAdder calls = new LongAdder();
  private final LongAdder closed = new LongAdder();
  private final LongAdder requestBytes = new LongAdder();
  private final LongAdder responseBytes = new LongAdder();
  private final LongAdder[] failuresByCode = new LongAdder[Status.Code.values().length];
  private final LongAdder[] callsByProtocol = new LongAdder[Protocol.values().length];

  RouteCounters(String route) {
    this.route = route;
    for (int i = 0; i < failuresByCode.length; i++) {
      failuresByCode[i] = new LongAdder();
    }
    for (int i = 0; i < callsByProtocol.length; i++) {
      callsByProtocol[i] = new LongAdder();
    }
  }

  void callStarted(Protocol protocol) {
    calls.increment();
    callsByProtocol[protocol.ordinal()].increment();
  }

  void callClosed(Status.Code code) {
    if (code != Status.Code.OK) {
      failuresByCode[code.ordinal()].increment();
    }
    closed.increment();
  }

  void requestBytes(int bytes) {
    requestBytes.add(bytes);
  }

  void responseBytes(int bytes) {
    responseBytes.add(bytes);
  }

  RouteMetrics snapshot() {
    long closedNow = closed.sum(); // read before calls so in-flight is never negative
    long callsNow = calls.sum();
    Map<Status.Code, Long> failures = new EnumMap<>(Status.Code.class);
    for (Status.Code code : Status.Code.values()) {
      long n = failuresByCode[code.ordinal()].sum();
      if (n > 0) {
        failures.put(code, n);
      }
    }
    Map<Protocol, Long> byProtocol = new EnumMap<>(Protocol.class);
    for (Protocol protocol : Protocol.values()) {
      long n = callsByProtocol[protocol.ordinal()].sum();
      if (n > 0) {
        byProtocol.put(protocol, n);
      }
    }
    return new RouteMetrics(
        route,
        callsNow,
        byProtocol,
        Math.max(0, callsNow - closedNow),
        failures,
        requestBytes.sum(),
        responseBytes.sum());
  }
}
