package io.switchboard.gateway;

import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.switchboard.core.internal.Descriptions;
import io.switchboard.msgpack.json.JsonSettings;
import io.switchboard.msgpack.json.JsonTranscoder;
import io.switchboard.msgpack.schema.MethodSchema;
import io.switchboard.msgpack.schema.SchemaReflectionClient;
import io.switchboard.msgpack.schema.ServiceSchema;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The schemas one route's backend publishes through {@code switchboard.reflection.v1
 * .SchemaReflection}, asked once per service and kept, so JSON calls can name the fields of
 * array-shaped messages. A backend without the reflection service (or without the service in it)
 * gets schemaless transcoding; a lookup that failed otherwise (backend down, deadline) fails the
 * JSON calls waiting on it with a description saying the schema is not known yet, and is asked
 * again by the next call after {@link #RETRY_AFTER}.
 */
final class SchemaCache {
  /** Services kept per backend: far beyond a backend's services; a bound on made-up names. */
  static final int MAX_SERVICES = 1024;

  /** How long one lookup may take: reflection is one small unary call. */
  static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(5);

  /** How long a failed lookup is remembered before the next call asks again. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(2);

  /**
   * How long "the backend publishes no schema" is remembered: a backend redeployed with the
   * reflection service is picked up within a minute.
   */
  static final Duration RECHECK_ABSENT_AFTER = Duration.ofMinutes(1);

  private final SchemaReflectionClient reflection;
  private final JsonSettings settings;
  private final JsonTranscoder schemaless;
  private final Map<String, Entry> services = new ConcurrentHashMap<>();

  /**
   * One service's schema lookup and the bridges made from it, one per method of the schema (so
   * bounded by it): a transcoder compiles its schema once, not per call.
   */
  private record Entry(
      CompletableFuture<ServiceSchema> schema, long bornNanos, Map<String, JsonBridge> bridges) {}

  SchemaCache(Channel backend, JsonSettings settings) {
    this.reflection = SchemaReflectionClient.create(backend).withTimeout(LOOKUP_TIMEOUT);
    this.settings = settings;
    this.schemaless = JsonTranscoder.schemaless(settings);
  }

  /**
   * Returns the JSON bridge of a method, once its service's schema is known.
   *
   * @param serverStreaming whether the client asked for a stream ({@code application/connect+json})
   */
  CompletableFuture<JsonBridge> bridge(String fullMethodName, boolean serverStreaming) {
    String service = MethodDescriptor.extractFullServiceName(fullMethodName);
    Entry entry = entry(service);
    return entry
        .schema()
        .handle(
            (schema, failure) -> {
              if (failure != null) {
                Status status = Status.fromThrowable(failure);
                if (status.getCode() == Status.Code.UNIMPLEMENTED
                    || status.getCode() == Status.Code.NOT_FOUND) {
                  return new JsonBridge(
                      fullMethodName,
                      schemaless,
                      schemaless,
                      "the backend's reflection answered "
                          + status.getCode()
                          + ": "
                          + status.getDescription());
                }
                throw Status.UNAVAILABLE
                    .withDescription(
                        "the schema of "
                            + service
                            + " is not known yet (reflection failed: "
                            + status.getCode()
                            + " "
                            + Descriptions.cap(String.valueOf(status.getDescription()))
                            + "); retry")
                    .asRuntimeException();
              }
              String name = fullMethodName.substring(service.length() + 1);
              MethodSchema method = schema.method(name);
              if (method == null) {
                throw Status.UNIMPLEMENTED
                    .withDescription(
                        "service "
                            + service
                            + " has no method "
                            + name
                            + " (methods: "
                            + schema.methods().stream()
                                .map(MethodSchema::name)
                                .collect(Collectors.joining(", "))
                            + ")")
                    .asRuntimeException();
              }
              if (method.clientStreams()) {
                throw Status.UNIMPLEMENTED
                    .withDescription(
                        fullMethodName
                            + " is "
                            + method.kind()
                            + "; JSON carries unary and"
                            + " server-streaming calls only (use native gRPC over HTTP/2)")
                    .asRuntimeException();
              }
              if (method.serverStreams() && !serverStreaming) {
                throw Status.UNIMPLEMENTED
                    .withDescription(
                        fullMethodName
                            + " is SERVER_STREAMING; call it with content-type"
                            + " application/connect+json (Connect's streaming form)")
                    .asRuntimeException();
              }
              return entry
                  .bridges()
                  .computeIfAbsent(
                      name,
                      n ->
                          new JsonBridge(
                              fullMethodName,
                              JsonTranscoder.forRequests(method, settings),
                              JsonTranscoder.forResponses(method, settings),
                              null));
            });
  }

  private Entry entry(String service) {
    long now = System.nanoTime();
    Entry entry = services.get(service);
    if (entry != null && !expired(entry, now)) {
      return entry;
    }
    if (services.size() >= MAX_SERVICES) {
      services.values().removeIf(e -> e.schema().isDone());
    }
    Entry fresh = new Entry(new CompletableFuture<>(), now, new ConcurrentHashMap<>());
    Entry won =
        entry == null
            ? services.putIfAbsent(service, fresh)
            : (services.replace(service, entry, fresh) ? null : services.get(service));
    if (won != null) {
      return won;
    }
    reflection
        .describeService(service)
        .whenComplete(
            (schema, failure) -> {
              if (failure == null) {
                fresh.schema().complete(schema);
              } else {
                fresh.schema().completeExceptionally(failure);
              }
            });
    return fresh;
  }

  private static boolean expired(Entry entry, long now) {
    CompletableFuture<ServiceSchema> schema = entry.schema();
    if (!schema.isCompletedExceptionally()) {
      return false;
    }
    Status status = Status.fromThrowable(schema.handle((s, f) -> f).join());
    boolean definite =
        status.getCode() == Status.Code.UNIMPLEMENTED || status.getCode() == Status.Code.NOT_FOUND;
    long age = now - entry.bornNanos();
    return age > (definite ? RECHECK_ABSENT_AFTER : RETRY_AFTER).toNanos();
  }
}
