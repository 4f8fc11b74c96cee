package io.switchboard.core;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.core.internal.Descriptions;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a server answer a request that its marshaller cannot parse with the marshaller's own {@link
 * Status}, instead of grpc-java's {@code UNKNOWN: Application error processing RPC}.
 *
 * <p>grpc-java parses requests before the handler sees them and turns any exception thrown there,
 * including a {@link StatusRuntimeException} with a precise {@code INVALID_ARGUMENT} and
 * description, into {@code UNKNOWN} without a description. The wrapped definition hands grpc the
 * message bytes unparsed and parses them in the call's listener instead, where a failure closes the
 * call with:
 *
 * <ul>
 *   <li>the status of a {@link StatusRuntimeException} the marshaller threw, with its trailers;
 *   <li>{@code INVALID_ARGUMENT} naming the method and the exception for any other runtime
 *       exception (a marshaller fails on bytes it cannot read; that is bad input);
 *   <li>for an {@link Error} (which grpc-java too would answer with {@code UNKNOWN}): {@code
 *       RESOURCE_EXHAUSTED} for {@link OutOfMemoryError} and {@link StackOverflowError} (the
 *       request asked more of the server than it has), {@code INTERNAL} naming the method and the
 *       error for any other, e.g. an {@code AssertionError} in a hand-written codec; logged as a
 *       warning.
 * </ul>
 *
 * <p>The wrapped definition keeps the service's name and schema descriptor (so server reflection
 * still works); its method descriptors carry a raw-stream request marshaller. The handler never
 * sees a request that failed to parse, and later requests of that call are dropped; other calls are
 * not affected. {@link ServiceBinder#build()} applies this to every definition it builds; apply it
 * yourself to other definitions, e.g. a protoc-generated service:
 *
 * <pre>{@code
 * server.addService(RequestParseErrors.preserve(new UserServiceImpl().bindService()));
 * }</pre>
 *
 * <p>For bidirectional and client-streaming methods the call is closed from grpc's callback thread;
 * a handler that sends responses from a thread of its own at that very moment races with the close,
 * exactly as it would with its own {@code onError}.
 */
public final class RequestParseErrors {
  private static final Logger logger = LoggerFactory.getLogger(RequestParseErrors.class);

  /**
   * One warning a minute for an {@link Error} thrown while parsing: a client that can trigger one
   * must not be able to flood the log with stack traces (the calls are answered either way).
   */
  private static final Throttle ERROR_LOG = new Throttle(TimeUnit.MINUTES.toNanos(1));

  private RequestParseErrors() {}

  /**
   * Returns the definition with every method wrapped as described above. Wrapping twice is
   * harmless: the second wrapper sees only raw streams.
   *
   * @throws NullPointerException if the definition is null
   */
  public static ServerServiceDefinition preserve(ServerServiceDefinition definition) {
    Objects.requireNonNull(definition, "definition");
    ServiceDescriptor original = definition.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName())
            .setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> method : definition.getMethods()) {
      ServerMethodDefinition<?, ?> raw = wrap(method);
      methods.add(raw);
      descriptor.addMethod(raw.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder wrapped = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(wrapped::addMethod);
    return wrapped.build();
  }

  private static <ReqT, RespT> ServerMethodDefinition<?, RespT> wrap(
      ServerMethodDefinition<ReqT, RespT> definition) {
    MethodDescriptor<ReqT, RespT> method = definition.getMethodDescriptor();
    if (method.getRequestMarshaller() instanceof RawStream) {
      return definition;
    }
    MethodDescriptor<InputStream, RespT> raw =
        method.toBuilder(
                new RawStream(method.getRequestMarshaller()), method.getResponseMarshaller())
            .build();
    ServerCallHandler<ReqT, RespT> handler = definition.getServerCallHandler();
    return ServerMethodDefinition.create(
        raw, (call, headers) -> start(method, handler, call, headers));
  }

  private static <ReqT, RespT> ServerCall.Listener<InputStream> start(
      MethodDescriptor<ReqT, RespT> method,
      ServerCallHandler<ReqT, RespT> handler,
      ServerCall<InputStream, RespT> call,
      Metadata headers) {
    ServerCall<ReqT, RespT> typed =
        new ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT>(responseSide(call)) {
          @Override
          public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
            return method;
          }
        };
    return new ParsingListener<>(method, call, handler.startCall(typed, headers));
  }

  @SuppressWarnings("unchecked")
  private static <ReqT, RespT> ServerCall<ReqT, RespT> responseSide(
      ServerCall<InputStream, RespT> call) {
    // Requests never flow through the call object (they arrive at the listener), so the typed view
    // only serves the response side and getMethodDescriptor(), which is overridden.
    return (ServerCall<ReqT, RespT>) (ServerCall<?, RespT>) call;
  }

  /** Parses each request inside the listener, closing the call on failure. */
  private static final class ParsingListener<ReqT, RespT> extends ServerCall.Listener<InputStream> {
    private final MethodDescriptor<ReqT, RespT> method;
    private final ServerCall<InputStream, RespT> call;
    private final ServerCall.Listener<ReqT> delegate;
    private boolean failed;

    ParsingListener(
        MethodDescriptor<ReqT, RespT> method,
        ServerCall<InputStream, RespT> call,
        ServerCall.Listener<ReqT> delegate) {
      this.method = method;
      this.call = call;
      this.delegate = delegate;
    }

    @Override
    public void onMessage(InputStream message) {
      if (failed) {
        return; // grpc closes the message stream when onMessage returns
      }
      ReqT request;
      try {
        request = method.parseRequest(message);
      } catch (StatusRuntimeException e) {
        fail(e.getStatus(), e.getTrailers(), e);
        return;
      } catch (RuntimeException e) {
        fail(
            Status.INVALID_ARGUMENT.withDescription(
                Descriptions.cap(
                    "malformed request for "
                        + method.getFullMethodName()
                        + ": "
                        + Descriptions.of(e))),
            null,
            e);
        return;
      } catch (Error e) {
        // grpc-java would answer UNKNOWN and log the stack trace per call; the client gets a
        // precise status and the server a warning. The call is over either way; other calls go on.
        Status status = parseError(method.getFullMethodName(), e);
        if (ERROR_LOG.tryAcquire()) {
          logger.warn(
              "{}: request parsing threw {}; answered {} (logged at most once a minute)",
              method.getFullMethodName(),
              e.toString(),
              status.getCode(),
              e);
        }
        fail(status, null, e);
        return;
      }
      delegate.onMessage(request);
    }

    private void fail(Status status, Metadata trailers, Throwable cause) {
      failed = true;
      logger.debug(
          "{}: request failed to parse: {} {}",
          method.getFullMethodName(),
          status.getCode(),
          status.getDescription(),
          cause);
      call.close(status, trailers == null ? new Metadata() : trailers);
    }

    @Override
    public void onHalfClose() {
      if (!failed) {
        delegate.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      delegate.onCancel();
    }

    @Override
    public void onComplete() {
      delegate.onComplete();
    }

    @Override
    public void onReady() {
      if (!failed) {
        delegate.onReady();
      }
    }
  }

  /**
   * Returns the status of an {@link Error} thrown while a request of {@code method} was parsed:
   * {@code RESOURCE_EXHAUSTED} when the server ran out of memory or stack for it (the request asked
   * too much of it), {@code INTERNAL} for any other (a marshaller's bug: not the client's fault).
   */
  static Status parseError(String method, Error e) {
    Status status =
        e instanceof OutOfMemoryError || e instanceof StackOverflowError
            ? Status.RESOURCE_EXHAUSTED
            : Status.INTERNAL;
    String what =
        e instanceof OutOfMemoryError
            ? "the server ran out of memory parsing the request for "
            : e instanceof StackOverflowError
                ? "the request for " + method + " is nested too deeply for the server's stack"
                : "the server failed to parse the request for ";
    String description =
        e instanceof StackOverflowError
            ? what
            : what + method + ": " + e.getClass().getSimpleName() + ": " + e.getMessage();
    return status.withDescription(Descriptions.cap(description)).withCause(e);
  }

  /**
   * Returns the marshaller that parses the requests of a server method: for a method wrapped by
   * {@link #preserve}, the original one (its descriptor carries a raw-stream marshaller); else the
   * descriptor's own. Lets a server-side tool, such as a schema reflection service, see what the
   * method really reads.
   *
   * @throws NullPointerException if the method is null
   */
  public static MethodDescriptor.Marshaller<?> requestMarshaller(MethodDescriptor<?, ?> method) {
    Objects.requireNonNull(method, "method");
    return method.getRequestMarshaller() instanceof RawStream raw
        ? raw.original
        : method.getRequestMarshaller();
  }

  /** Lets one event through per interval. Thread-safe. */
  private static final class Throttle {
    private final long intervalNanos;
    private final AtomicLong next = new AtomicLong(System.nanoTime());

    Throttle(long intervalNanos) {
      this.intervalNanos = intervalNanos;
    }

    boolean tryAcquire() {
      long now = System.nanoTime();
      long due = next.get();
      return now - due >= 0 && next.compareAndSet(due, now + intervalNanos);
    }
  }

  /**
   * Hands grpc's message stream to the listener unparsed; remembers the marshaller it stands for.
   */
  private static final class RawStream implements MethodDescriptor.Marshaller<InputStream> {
    private final MethodDescriptor.Marshaller<?> original;

    RawStream(MethodDescriptor.Marshaller<?> original) {
      this.original = original;
    }

    @Override
    public InputStream stream(InputStream value) {
      return value;
    }

    @Override
    public InputStream parse(InputStream stream) {
      return stream;
    }
  }
}
