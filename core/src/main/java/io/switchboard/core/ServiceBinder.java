package io.switchboard.core;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.internal.Descriptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

/**
 * Binds plain Java handlers to the methods of a {@link ServiceSpec}, yielding a {@link
 * ServerServiceDefinition} to add to any {@link io.grpc.ServerBuilder}.
 *
 * <pre>{@code
 * ServerServiceDefinition users = ServiceBinder.forService(USERS)
 *     .unary(GET_USER, request -> repository.find(request.id()))
 *     .unaryAsync(GET_USERS, request -> repository.findAllAsync(request.ids()))
 *     .serverStreaming(TAIL, (request, responses) -> logs.subscribe(request, responses))
 *     .bidiStreaming(CHAT, responses -> new ChatSession(responses))
 *     .build();
 * }</pre>
 *
 * <p>Every exception a handler throws, or passes to a response observer's {@code onError}, is
 * turned into a {@link Status} by the {@link ErrorMapper} (by default {@link
 * ErrorMapper#standard()}) and logged once on the server through SLF4J: at {@code WARN} with the
 * stack trace for {@code INTERNAL}, {@code UNKNOWN} and {@code DATA_LOSS}, at {@code DEBUG}
 * otherwise. The stack trace never goes on the wire.
 *
 * <p>A request the method's marshaller cannot parse is answered with the marshaller's own status
 * (see {@link RequestParseErrors}), not grpc-java's {@code UNKNOWN}; the handler never sees it.
 *
 * <p>A builder is not thread-safe; the definition it builds is immutable. Methods not bound are
 * answered {@code UNIMPLEMENTED} by the server.
 */
public final class ServiceBinder {
  private final ServiceSpec service;
  private final Map<String, ServerMethodDefinition<?, ?>> methods = new LinkedHashMap<>();
  private ErrorMapper errorMapper = ErrorMapper.standard();
  private boolean built;

  private ServiceBinder(ServiceSpec service) {
    this.service = service;
  }

  /**
   * Starts binding handlers for the given service.
   *
   * @throws NullPointerException if the service is null
   */
  public static ServiceBinder forService(ServiceSpec service) {
    return new ServiceBinder(Objects.requireNonNull(service, "service"));
  }

  /**
   * Sets how handler exceptions become statuses. Applies to all methods of this binder, including
   * those bound before this call.
   *
   * @throws NullPointerException if the mapper is null
   */
  public ServiceBinder errorMapper(ErrorMapper errorMapper) {
    this.errorMapper = Objects.requireNonNull(errorMapper, "errorMapper");
    return this;
  }

  /**
   * Binds a unary method to a function that returns the response.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method is not unary, belongs to another service, or is
   *     already bound
   * @throws IllegalStateException if {@link #build()} was already called
   */
  public <ReqT, RespT> ServiceBinder unary(
      MethodSpec<ReqT, RespT> method, UnaryHandler<ReqT, RespT> handler) {
    check(method, handler, MethodType.UNARY);
    ErrorReporter reporter = new ErrorReporter(method.fullMethodName());
    return add(
        method,
        ServerCalls.asyncUnaryCall(
            (request, responses) -> {
              RespT response;
              try {
                response = handler.handle(request);
              } catch (Exception e) {
                reporter.fail(responses, e);
                return;
              }
              respond(responses, response, reporter, "response");
            }));
  }

  /**
   * Binds a unary method to a function that returns a future response. Cancelling the call cancels
   * the returned future.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method is not unary, belongs to another service, or is
   *     already bound
   * @throws IllegalStateException if {@link #build()} was already called
   */
  public <ReqT, RespT> ServiceBinder unaryAsync(
      MethodSpec<ReqT, RespT> method, AsyncUnaryHandler<ReqT, RespT> handler) {
    check(method, handler, MethodType.UNARY);
    ErrorReporter reporter = new ErrorReporter(method.fullMethodName());
    return add(
        method,
        ServerCalls.asyncUnaryCall(
            (request, responses) -> {
              CompletionStage<RespT> stage;
              try {
                stage = handler.handle(request);
              } catch (Exception e) {
                reporter.fail(responses, e);
                return;
              }
              if (stage == null) {
                reporter.failNull(responses, "future");
                return;
              }
              if (stage instanceof Future<?> future) {
                ((ServerCallStreamObserver<RespT>) responses)
                    .setOnCancelHandler(() -> future.cancel(false));
              }
              stage.whenComplete(
                  (response, failure) -> {
                    if (failure != null) {
                      reporter.fail(responses, failure);
                    } else {
                      respond(responses, response, reporter, "future's response");
                    }
                  });
            }));
  }

  /**
   * Binds a server-streaming method.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method is not server-streaming, belongs to another
   *     service, or is already bound
   * @throws IllegalStateException if {@link #build()} was already called
   */
  public <ReqT, RespT> ServiceBinder serverStreaming(
      MethodSpec<ReqT, RespT> method, ServerStreamingHandler<ReqT, RespT> handler) {
    check(method, handler, MethodType.SERVER_STREAMING);
    ErrorReporter reporter = new ErrorReporter(method.fullMethodName());
    return add(
        method,
        ServerCalls.asyncServerStreamingCall(
            (request, responses) -> {
              ErrorMappingObserver<RespT> mapped =
                  new ErrorMappingObserver<>((ServerCallStreamObserver<RespT>) responses, reporter);
              try {
                handler.handle(request, mapped);
              } catch (Exception e) {
                mapped.onError(e);
              }
            }));
  }

  /**
   * Binds a client-streaming method.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method is not client-streaming, belongs to another
   *     service, or is already bound
   * @throws IllegalStateException if {@link #build()} was already called
   */
  public <ReqT, RespT> ServiceBinder clientStreaming(
      MethodSpec<ReqT, RespT> method, StreamingHandler<ReqT, RespT> handler) {
    check(method, handler, MethodType.CLIENT_STREAMING);
    ErrorReporter reporter = new ErrorReporter(method.fullMethodName());
    return add(
        method,
        ServerCalls.asyncClientStreamingCall(responses -> start(handler, responses, reporter)));
  }

  /**
   * Binds a bidirectional-streaming method.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method is not bidi-streaming, belongs to another
   *     service, or is already bound
   * @throws IllegalStateException if {@link #build()} was already called
   */
  public <ReqT, RespT> ServiceBinder bidiStreaming(
      MethodSpec<ReqT, RespT> method, StreamingHandler<ReqT, RespT> handler) {
    check(method, handler, MethodType.BIDI_STREAMING);
    ErrorReporter reporter = new ErrorReporter(method.fullMethodName());
    return add(
        method,
        ServerCalls.asyncBidiStreamingCall(responses -> start(handler, responses, reporter)));
  }

  /**
   * Returns the service definition with every bound method.
   *
   * @throws IllegalStateException if no method is bound, or this was already called
   */
  public ServerServiceDefinition build() {
    checkNotBuilt();
    if (methods.isEmpty()) {
      throw new IllegalStateException(
          "service " + service.name() + ": no method bound (expected: at least one)");
    }
    built = true;
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(service.name());
    for (ServerMethodDefinition<?, ?> method : methods.values()) {
      descriptor.addMethod(method.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder definition =
        ServerServiceDefinition.builder(descriptor.build());
    methods.values().forEach(definition::addMethod);
    return RequestParseErrors.preserve(definition.build());
  }

  /** Sends a unary handler's response, or fails the call naming what was null. */
  private static <RespT> void respond(
      StreamObserver<RespT> responses, RespT response, ErrorReporter reporter, String what) {
    if (response == null) {
      reporter.failNull(responses, what);
      return;
    }
    responses.onNext(response);
    responses.onCompleted();
  }

  private <ReqT, RespT> StreamObserver<ReqT> start(
      StreamingHandler<ReqT, RespT> handler,
      StreamObserver<RespT> responses,
      ErrorReporter reporter) {
    ErrorMappingObserver<RespT> mapped =
        new ErrorMappingObserver<>((ServerCallStreamObserver<RespT>) responses, reporter);
    StreamObserver<ReqT> requests;
    try {
      requests = handler.handle(mapped);
    } catch (Exception e) {
      mapped.onError(e);
      return new GuardedRequestObserver<>(null, mapped);
    }
    if (requests == null) {
      reporter.failNull(mapped, "request observer");
      return new GuardedRequestObserver<>(null, mapped);
    }
    return new GuardedRequestObserver<>(requests, mapped);
  }

  private <ReqT, RespT> ServiceBinder add(
      MethodSpec<ReqT, RespT> method, ServerCallHandler<ReqT, RespT> handler) {
    methods.put(
        method.fullMethodName(), ServerMethodDefinition.create(method.descriptor(), handler));
    return this;
  }

  private void check(MethodSpec<?, ?> method, Object handler, MethodType expected) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(handler, "handler");
    checkNotBuilt();
    if (method.type() != expected) {
      throw new IllegalArgumentException(
          "method "
              + method.fullMethodName()
              + ": type "
              + method.type()
              + " (expected: "
              + expected
              + " for this binding)");
    }
    if (!method.serviceName().equals(service.name())) {
      throw new IllegalArgumentException(
          "method "
              + method.fullMethodName()
              + ": belongs to service "
              + method.serviceName()
              + " (expected: "
              + service.name()
              + ")");
    }
    if (methods.containsKey(method.fullMethodName())) {
      throw new IllegalArgumentException(
          "method " + method.fullMethodName() + ": already bound (expected: one handler each)");
    }
  }

  private void checkNotBuilt() {
    if (built) {
      throw new IllegalStateException("service " + service.name() + ": build() already called");
    }
  }

  /** Maps and logs a handler failure, then closes the call with it. */
  private final class ErrorReporter {
    private final String fullMethodName;

    ErrorReporter(String fullMethodName) {
      this.fullMethodName = fullMethodName;
    }

    void fail(StreamObserver<?> responses, Throwable failure) {
      if (responses instanceof ServerCallStreamObserver<?> call && call.isCancelled()) {
        // The client cancelled (or the deadline passed) and the handler's work ended with it,
        // typically a CancellationException from the future the binder cancelled: nobody is
        // listening, and it is no server fault.
        HandlerErrorLog.logAfterCancel(fullMethodName, failure);
        return;
      }
      ErrorMapper mapper = errorMapper;
      Status status;
      try {
        status = mapper.toStatus(failure);
      } catch (RuntimeException mapperFailure) {
        failure.addSuppressed(mapperFailure);
        status = null;
      }
      if (status == null || status.isOk()) {
        status = ErrorMapper.standard().toStatus(failure);
        if (status.isOk()) {
          status = Status.INTERNAL.withDescription("handler failed");
        }
      }
      HandlerErrorLog.log(fullMethodName, status, failure);
      Metadata trailers = Status.trailersFromThrowable(Descriptions.unwrap(failure));
      closeQuietly(responses, status.asRuntimeException(trailers));
    }

    void failNull(StreamObserver<?> responses, String what) {
      fail(
          responses,
          new IllegalStateException("handler of " + fullMethodName + " returned a null " + what));
    }
  }

  private static void closeQuietly(StreamObserver<?> responses, Throwable status) {
    if (responses instanceof ErrorMappingObserver<?> mapped) {
      mapped.closeWith(status);
      return;
    }
    try {
      responses.onError(status);
    } catch (RuntimeException alreadyClosed) {
      // The call was cancelled or already closed: nobody is left to tell.
    }
  }

  /**
   * The response observer handed to streaming handlers: forwards everything, maps errors, and
   * ignores calls after the stream was closed by a failure.
   */
  static final class ErrorMappingObserver<RespT> extends ServerCallStreamObserver<RespT> {
    private final ServerCallStreamObserver<RespT> delegate;
    private final ErrorReporter reporter;
    private volatile boolean closed;

    ErrorMappingObserver(ServerCallStreamObserver<RespT> delegate, ErrorReporter reporter) {
      this.delegate = delegate;
      this.reporter = reporter;
    }

    void closeWith(Throwable status) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        delegate.onError(status);
      } catch (RuntimeException alreadyClosed) {
        // Cancelled by the client in the meantime.
      }
    }

    @Override
    public void onNext(RespT value) {
      delegate.onNext(value);
    }

    @Override
    public void onError(Throwable t) {
      if (!closed) {
        reporter.fail(this, t);
      }
    }

    @Override
    public void onCompleted() {
      closed = true;
      delegate.onCompleted();
    }

    @Override
    public boolean isCancelled() {
      return delegate.isCancelled();
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {
      delegate.setOnCancelHandler(onCancelHandler);
    }

    @Override
    public void setOnCloseHandler(Runnable onCloseHandler) {
      delegate.setOnCloseHandler(onCloseHandler);
    }

    @Override
    public void setCompression(String compression) {
      delegate.setCompression(compression);
    }

    @Override
    public void setOnReadyThreshold(int numBytes) {
      delegate.setOnReadyThreshold(numBytes);
    }

    @Override
    public boolean isReady() {
      return delegate.isReady();
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {
      delegate.setOnReadyHandler(onReadyHandler);
    }

    @Override
    @SuppressWarnings("deprecation")
    public void disableAutoInboundFlowControl() {
      delegate.disableAutoInboundFlowControl();
    }

    @Override
    public void disableAutoRequest() {
      delegate.disableAutoRequest();
    }

    @Override
    public void request(int count) {
      delegate.request(count);
    }

    @Override
    public void setMessageCompression(boolean enable) {
      delegate.setMessageCompression(enable);
    }
  }

  /**
   * Wraps the handler's request observer: an exception it throws closes the call with the mapped
   * status, and later requests are dropped instead of reaching a handler that already failed.
   */
  static final class GuardedRequestObserver<ReqT> implements StreamObserver<ReqT> {
    private final StreamObserver<ReqT> delegate;
    private final ErrorMappingObserver<?> responses;
    private boolean failed;

    GuardedRequestObserver(StreamObserver<ReqT> delegate, ErrorMappingObserver<?> responses) {
      this.delegate = delegate;
      this.responses = responses;
      this.failed = delegate == null;
    }

    @Override
    public void onNext(ReqT value) {
      if (failed) {
        return;
      }
      try {
        delegate.onNext(value);
      } catch (RuntimeException e) {
        failed = true;
        responses.onError(e);
      }
    }

    @Override
    public void onError(Throwable t) {
      if (failed) {
        return;
      }
      delegate.onError(t);
    }

    @Override
    public void onCompleted() {
      if (failed) {
        return;
      }
      try {
        delegate.onCompleted();
      } catch (RuntimeException e) {
        failed = true;
        responses.onError(e);
      }
    }
  }
}
