package io.switchboard.gateway;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.switchboard.msgpack.json.JsonSettings;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Starts the calls of one route: authentication, deadline policy, then a {@link ProxyCall}. */
final class RouteHandler implements ServerCallHandler<InputStream, InputStream> {
  private final Route route;
  private final Backend backend;
  private final Admission admission;
  private final HeaderPolicy headerPolicy;
  private final RouteCounters counters;
  private final String cappedMethod;
  private final int maxCapped;
  private final AtomicInteger capped = new AtomicInteger();
  private volatile SchemaCache schemas;

  RouteHandler(Route route, Backend backend, Admission admission, HeaderPolicy headerPolicy) {
    this(route, backend, admission, headerPolicy, null, 0);
  }

  /**
   * @param cappedMethod a full method name of which at most {@code maxCapped} calls may be open at
   *     once (the gateway's health {@code Watch}); null for none
   */
  RouteHandler(
      Route route,
      Backend backend,
      Admission admission,
      HeaderPolicy headerPolicy,
      String cappedMethod,
      int maxCapped) {
    this.route = route;
    this.backend = backend;
    this.admission = admission;
    this.headerPolicy = headerPolicy;
    this.counters = new RouteCounters(route.name());
    this.cappedMethod = cappedMethod;
    this.maxCapped = maxCapped;
  }

  @Override
  public ServerCall.Listener<InputStream> startCall(
      ServerCall<InputStream, InputStream> call, Metadata headers) {
    return startCall(call, headers, Context.current().getDeadline(), Protocol.GRPC);
  }

  /**
   * Starts a call: authentication, the deadline policy applied to the client's deadline (null for
   * none), then the backend call.
   */
  ServerCall.Listener<InputStream> startCall(
      ServerCall<InputStream, InputStream> call,
      Metadata headers,
      Deadline clientDeadline,
      Protocol protocol) {
    counters.callStarted(protocol);
    Status denied =
        admission.check(call.getMethodDescriptor().getFullMethodName(), headers, call, protocol);
    if (denied != null) {
      counters.callClosed(denied.getCode());
      call.close(denied, new Metadata());
      return Admission.IGNORE;
    }
    if (isCapped(call) && capped.incrementAndGet() > maxCapped) {
      capped.decrementAndGet();
      Status full =
          Status.RESOURCE_EXHAUSTED.withDescription(
              "gateway: "
                  + maxCapped
                  + " "
                  + cappedMethod
                  + " streams are open (the maximum); close one, or poll with Check");
      counters.callClosed(full.getCode());
      call.close(full, new Metadata());
      return Admission.IGNORE;
    }
    // Listener callbacks of the backend call run on its transport thread: they only hand bytes on.
    CallOptions options =
        CallOptions.DEFAULT
            .withExecutor(MoreExecutors.directExecutor())
            .withDeadline(deadlineFor(clientDeadline));
    ClientCall<InputStream, InputStream> backendCall =
        backend.channel().newCall(call.getMethodDescriptor(), options);
    ProxyCall proxy = new ProxyCall(call, backendCall, this);
    proxy.start(headerPolicy.toBackend(headers));
    return proxy.clientListener;
  }

  /** Counts a forwarded call's end, freeing its slot if its method is capped. */
  void callClosed(ServerCall<?, ?> call, Status.Code code) {
    if (isCapped(call)) {
      capped.decrementAndGet();
    }
    counters.callClosed(code);
  }

  private boolean isCapped(ServerCall<?, ?> call) {
    return cappedMethod != null
        && cappedMethod.equals(call.getMethodDescriptor().getFullMethodName());
  }

  /** Returns how many calls of the capped method are open. */
  int openCapped() {
    return capped.get();
  }

  /** Returns the backend call's deadline: the client's, else the default, capped by the max. */
  Deadline deadlineFor(Deadline fromClient) {
    Deadline deadline = fromClient;
    if (deadline == null && route.defaultTimeout().isPresent()) {
      deadline = after(route.defaultTimeout().get());
    }
    if (route.maxTimeout().isPresent()) {
      Deadline cap = after(route.maxTimeout().get());
      deadline = deadline == null ? cap : deadline.minimum(cap);
    }
    return deadline;
  }

  private static Deadline after(Duration timeout) {
    return Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Returns the status for the client. The backend's own statuses pass unchanged; an UNAVAILABLE
   * that never reached a backend (no headers, no trailers: the gateway's channel failed to connect)
   * is described with the route and its target.
   */
  Status describeBackendFailure(Status status, Metadata trailers, boolean headersReceived) {
    if (status.getCode() != Status.Code.UNAVAILABLE
        || headersReceived
        || !trailers.keys().isEmpty()) {
      return status;
    }
    return Status.UNAVAILABLE
        .withDescription(
            "route "
                + route.name()
                + ": backend "
                + route.target()
                + " unavailable: "
                + status.getDescription())
        .withCause(status.getCause());
  }

  /** Returns the schemas of this route's backend, made at the first JSON call. */
  SchemaCache schemas(JsonSettings settings) {
    SchemaCache cache = schemas;
    if (cache == null) {
      synchronized (this) {
        cache = schemas;
        if (cache == null) {
          cache = new SchemaCache(backend.channel(), settings);
          schemas = cache;
        }
      }
    }
    return cache;
  }

  String name() {
    return route.name();
  }

  Route route() {
    return route;
  }

  Backend backend() {
    return backend;
  }

  int maxMessageBytes() {
    return route.maxMessageBytes();
  }

  HeaderPolicy headerPolicy() {
    return headerPolicy;
  }

  RouteCounters counters() {
    return counters;
  }
}
