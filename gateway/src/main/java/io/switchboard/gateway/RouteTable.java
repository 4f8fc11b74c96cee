package io.switchboard.gateway;

import io.grpc.Deadline;
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
  private final RouteHandler local;
  private final Admission admission;
  private final String patterns;
  private final Map<String, ServerMethodDefinition<?, ?>> methods = new ConcurrentHashMap<>();
  private final LongAdder unrouted = new LongAdder();

  RouteTable(List<RouteHandler> routes, Admission admission) {
    this(routes, admission, null);
  }

  /**
   * @param local the gateway's own services (health), served in-process without authentication;
   *     null for none
   */
  RouteTable(List<RouteHandler> routes, Admission admission, RouteHandler local) {
    this.admission = admission;
    this.local = local;
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
    if (local != null && local.route().services().contains(service)) {
      return local;
    }
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

  /** Returns the route of a full method name ({@code svc/Method}), or null if none matches. */
  RouteHandler routeOfMethod(String fullMethodName) {
    String service = MethodDescriptor.extractFullServiceName(fullMethodName);
    return service == null ? null : route(service);
  }

  /** Returns whether the route is the gateway's own (health), not a backend's. */
  boolean isLocal(RouteHandler route) {
    return route == local;
  }

  /** Returns the passthrough descriptor of a method (cached, bounded). */
  @SuppressWarnings("unchecked")
  MethodDescriptor<InputStream, InputStream> descriptor(String fullMethodName) {
    return (MethodDescriptor<InputStream, InputStream>)
        lookupMethod(fullMethodName, null).getMethodDescriptor();
  }

  /** Starts a call from the gateway's front on its route, or closes it if none matches. */
  ServerCall.Listener<InputStream> start(
      String fullMethodName,
      ServerCall<InputStream, InputStream> call,
      Metadata headers,
      Deadline deadline,
      Protocol protocol) {
    ServerCallHandler<?, ?> handler = lookupMethod(fullMethodName, null).getServerCallHandler();
    if (handler instanceof RouteHandler route) {
      return route.startCall(call, headers, deadline, protocol);
    }
    return ((Unrouted) handler).start(call, headers, protocol);
  }

  /** Returns the admission of the routed calls (authentication). */
  Admission admission() {
    return admission;
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
      return start(call, headers, Protocol.GRPC);
    }

    ServerCall.Listener<InputStream> start(
        ServerCall<InputStream, InputStream> call, Metadata headers, Protocol protocol) {
      unrouted.increment();
      String method = call.getMethodDescriptor().getFullMethodName();
      Status status = admission.check(method, headers, call, protocol);
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
