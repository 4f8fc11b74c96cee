package io.switchboard.gateway;

import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's fallback registry: every method the server does not serve itself (all but health) is
 * looked up here by its service name, so any method of a routed service is forwarded without being
 * known in advance. Exact service names win over package prefixes, the longest prefix wins, and the
 * default route takes the rest. A service no route matches gets a handler that closes the call with
 * {@code UNIMPLEMENTED} naming it (after authentication, so that routes are not shown to
 * strangers).
 */
final class RouteTable extends HandlerRegistry {
  /**
   * Method definitions kept after their first lookup: far above the methods a gateway's services
   * have, and a bound for a default route that accepts any name a client makes up.
   */
  static final int MAX_CACHED_METHODS = 10_000;

  private final Map<String, RouteHandler> exact = new HashMap<>();
  private final List<Map.Entry<String, RouteHandler>> prefixes = new ArrayList<>();
  private final RouteHandler fallback;
  private final Admission admission;
  private final String patterns;
  private final Map<String, ServerMethodDefinition<?, ?>> methods = new ConcurrentHashMap<>();
  private final LongAdder unrouted = new LongAdder();

  RouteTable(List<RouteHandler> routes, Admission admission) {
    this.admission = admission;
    RouteHandler defaultRoute = null;
    List<String> all = new ArrayList<>();
    for (RouteHandler handler : routes) {
      for (String pattern : handler.route().services()) {
        all.add(pattern);
        if (pattern.equals(Route.DEFAULT_PATTERN)) {
          defaultRoute = handler;
        } else if (Route.isPrefix(pattern)) {
          // "demo.*" matches "demo.X" and "demo.sub.X": keep the dot, drop the star.
          prefixes.add(Map.entry(pattern.substring(0, pattern.length() - 1), handler));
        } else {
          exact.put(pattern, handler);
        }
      }
    }
    prefixes.sort(
        Comparator.comparingInt((Map.Entry<String, RouteHandler> e) -> e.getKey().length())
            .reversed());
    this.fallback = defaultRoute;
    this.patterns = String.join(", ", all);
  }

  /** Returns the route for a full service name, or null if none matches. */
  RouteHandler route(String service) {
    RouteHandler handler = exact.get(service);
    if (handler != null) {
      return handler;
    }
    for (Map.Entry<String, RouteHandler> prefix : prefixes) {
      if (service.startsWith(prefix.getKey())) {
        return prefix.getValue();
      }
    }
    return fallback;
  }

  /** Returns how many calls named a service no route matches. */
  long unroutedCalls() {
    return unrouted.sum();
  }

  @Override
  public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
    ServerMethodDefinition<?, ?> known = methods.get(methodName);
    if (known != null) {
      return known;
    }
    String service = MethodDescriptor.extractFullServiceName(methodName);
    RouteHandler handler = service == null ? null : route(service);
    MethodDescriptor<InputStream, InputStream> descriptor =
        MethodDescriptor.newBuilder(PassthroughMarshaller.INSTANCE, PassthroughMarshaller.INSTANCE)
            .setFullMethodName(methodName)
            .setType(MethodDescriptor.MethodType.UNKNOWN)
            .build();
    if (handler == null) {
      return ServerMethodDefinition.create(
          descriptor, new Unrouted(service == null ? methodName : service));
    }
    ServerMethodDefinition<InputStream, InputStream> definition =
        ServerMethodDefinition.create(descriptor, handler);
    if (methods.size() < MAX_CACHED_METHODS) {
      methods.putIfAbsent(methodName, definition);
    }
    return definition;
  }

  /** Closes a call to a service no route matches. */
  private final class Unrouted implements ServerCallHandler<InputStream, InputStream> {
    private final String service;

    Unrouted(String service) {
      this.service = service;
    }

    @Override
    public ServerCall.Listener<InputStream> startCall(
        ServerCall<InputStream, InputStream> call, Metadata headers) {
      unrouted.increment();
      String method = call.getMethodDescriptor().getFullMethodName();
      Status status = admission.check(method, headers);
      if (status == null) {
        status =
            Status.UNIMPLEMENTED.withDescription(
                "gateway has no route for service '"
                    + service
                    + "' (method "
                    + method
                    + "); routed: "
                    + patterns);
      }
      call.close(status, new Metadata());
      return Admission.IGNORE;
    }
  }
}
