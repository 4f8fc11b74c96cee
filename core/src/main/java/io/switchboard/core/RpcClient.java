package io.switchboard.core;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.internal.CancellingFuture;
import io.switchboard.core.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Calls {@link MethodSpec}s over any {@link Channel}: a {@link io.grpc.ManagedChannel}, a channel
 * pool, or an intercepted channel.
 *
 * <p>Unary calls return a {@link CompletableFuture}. Completing that future yourself, by {@code
 * cancel}, {@code complete}, {@code orTimeout} or otherwise, cancels the call, and the server sees
 * it cancelled. Futures derived from it with {@code thenApply} and the like are new futures:
 * cancelling one of those does not reach the call. The future completes on grpc's callback executor
 * (the channel's executor); make dependents that block use an async variant with an executor of
 * their own.
 *
 * <p>Failures complete the future with a {@link StatusRuntimeException} carrying the status and
 * trailers as received. Streaming calls use grpc's {@link StreamObserver}s: pass a {@link
 * io.grpc.stub.ClientResponseObserver} to reach the {@link io.grpc.stub.ClientCallStreamObserver}
 * for flow control and cancellation.
 *
 * <p>Instances are immutable and thread-safe; {@code with*} methods return new clients that share
 * the channel.
 */
public final class RpcClient {
  private final Channel channel;
  private final CallOptions callOptions;
  private final Duration timeout;

  private RpcClient(Channel channel, CallOptions callOptions, Duration timeout) {
    this.channel = channel;
    this.callOptions = callOptions;
    this.timeout = timeout;
  }

  /**
   * Returns a client over the given channel with default call options and no timeout.
   *
   * @throws NullPointerException if the channel is null
   */
  public static RpcClient create(Channel channel) {
    return new RpcClient(Objects.requireNonNull(channel, "channel"), CallOptions.DEFAULT, null);
  }

  /** Returns the channel calls go out on (with this client's interceptors applied). */
  public Channel channel() {
    return channel;
  }

  /**
   * Returns a client whose every call gets a deadline of {@code timeout} from the moment it starts
   * (unlike {@link CallOptions#withDeadlineAfter}, which fixes the deadline when it is set). When
   * the call options also hold a deadline, the earlier one applies.
   *
   * @throws NullPointerException if the timeout is null
   * @throws IllegalArgumentException if the timeout is zero or negative
   */
  public RpcClient withTimeout(Duration timeout) {
    return new RpcClient(channel, callOptions, Checks.positive("timeout", timeout));
  }

  /**
   * Returns a client that uses the given call options (compression, executor, wait-for-ready,
   * credentials, deadline) for every call.
   *
   * @throws NullPointerException if the options are null
   */
  public RpcClient withCallOptions(CallOptions callOptions) {
    return new RpcClient(channel, Objects.requireNonNull(callOptions, "callOptions"), timeout);
  }

  /**
   * Returns a client whose calls pass through the given interceptors, the first one running first.
   * Use grpc's {@code MetadataUtils.newAttachHeadersInterceptor} to send headers.
   *
   * @throws NullPointerException if an interceptor is null
   */
  public RpcClient withInterceptors(ClientInterceptor... interceptors) {
    Objects.requireNonNull(interceptors, "interceptors");
    for (int i = 0; i < interceptors.length; i++) {
      Objects.requireNonNull(interceptors[i], "interceptors[" + i + "]");
    }
    return new RpcClient(
        ClientInterceptors.interceptForward(channel, interceptors), callOptions, timeout);
  }

  /**
   * Starts a unary call.
   *
   * @return a future of the response; completing or cancelling it cancels the call
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method is not unary
   */
  public <ReqT, RespT> CompletableFuture<RespT> unary(
      MethodSpec<ReqT, RespT> method, ReqT request) {
    return unary(method, request, new Metadata());
  }

  /**
   * Starts a unary call with the given request headers.
   *
   * @return a future of the response; completing or cancelling it cancels the call
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method is not unary
   */
  public <ReqT, RespT> CompletableFuture<RespT> unary(
      MethodSpec<ReqT, RespT> method, ReqT request, Metadata headers) {
    checkType(method, MethodType.UNARY);
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(headers, "headers");
    ClientCall<ReqT, RespT> call = channel.newCall(method.descriptor(), options());
    UnaryCallFuture<RespT> future = new UnaryCallFuture<>(call);
    try {
      call.start(future.listener(), headers);
      // Two, so that a second (illegal) response is seen and reported rather than left unread.
      call.request(2);
      call.sendMessage(request);
      call.halfClose();
    } catch (RuntimeException | Error e) {
      call.cancel("failed to start the call", e);
      throw e;
    }
    return future;
  }

  /**
   * Makes a unary call and waits for its response, on the calling thread (grpc's blocking path).
   *
   * @return the response
   * @throws StatusRuntimeException if the call fails; {@code CANCELLED} if the thread is
   *     interrupted (its interrupt flag stays set)
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method is not unary
   */
  public <ReqT, RespT> RespT blockingUnary(MethodSpec<ReqT, RespT> method, ReqT request) {
    checkType(method, MethodType.UNARY);
    Objects.requireNonNull(request, "request");
    return ClientCalls.blockingUnaryCall(channel, method.descriptor(), options(), request);
  }

  /**
   * Starts a server-streaming call; responses, then completion or the failure status, go to the
   * observer.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method is not server-streaming
   */
  public <ReqT, RespT> void serverStreaming(
      MethodSpec<ReqT, RespT> method, ReqT request, StreamObserver<RespT> responses) {
    checkType(method, MethodType.SERVER_STREAMING);
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(responses, "responses");
    ClientCalls.asyncServerStreamingCall(
        channel.newCall(method.descriptor(), options()), request, responses);
  }

  /**
   * Starts a client-streaming call.
   *
   * @return the observer to send requests to; {@code onCompleted} ends the request stream
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method is not client-streaming
   */
  public <ReqT, RespT> StreamObserver<ReqT> clientStreaming(
      MethodSpec<ReqT, RespT> method, StreamObserver<RespT> responses) {
    checkType(method, MethodType.CLIENT_STREAMING);
    Objects.requireNonNull(responses, "responses");
    return ClientCalls.asyncClientStreamingCall(
        channel.newCall(method.descriptor(), options()), responses);
  }

  /**
   * Starts a bidirectional-streaming call.
   *
   * @return the observer to send requests to; {@code onCompleted} ends the request stream
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the method is not bidi-streaming
   */
  public <ReqT, RespT> StreamObserver<ReqT> bidiStreaming(
      MethodSpec<ReqT, RespT> method, StreamObserver<RespT> responses) {
    checkType(method, MethodType.BIDI_STREAMING);
    Objects.requireNonNull(responses, "responses");
    return ClientCalls.asyncBidiStreamingCall(
        channel.newCall(method.descriptor(), options()), responses);
  }

  private CallOptions options() {
    if (timeout == null) {
      return callOptions;
    }
    Deadline deadline = Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
    Deadline existing = callOptions.getDeadline();
    return callOptions.withDeadline(existing == null ? deadline : existing.minimum(deadline));
  }

  private static void checkType(MethodSpec<?, ?> method, MethodType expected) {
    Objects.requireNonNull(method, "method");
    if (method.type() != expected) {
      throw new IllegalArgumentException(
          "method "
              + method.fullMethodName()
              + ": type "
              + method.type()
              + " (expected: "
              + expected
              + ")");
    }
  }

  /** The future of a unary call; any completion not made by the call itself cancels the call. */
  static final class UnaryCallFuture<RespT> extends CancellingFuture<RespT> {
    private final ClientCall<?, RespT> call;

    UnaryCallFuture(ClientCall<?, RespT> call) {
      // Cancelling a call grpc already closed is a no-op, so a race with onClose is harmless.
      super(how -> call.cancel("the call's future was completed by its user", null));
      this.call = call;
    }

    ClientCall.Listener<RespT> listener() {
      return new ClientCall.Listener<>() {
        private RespT response;

        @Override
        public void onMessage(RespT message) {
          if (response != null) {
            call.cancel(
                "more than one response for a unary call",
                Status.INTERNAL
                    .withDescription("more than one response for a unary call")
                    .asRuntimeException());
            return;
          }
          response = message;
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          if (!status.isOk()) {
            failFromSource(status.asRuntimeException(trailers));
          } else if (response == null) {
            failFromSource(
                Status.INTERNAL
                    .withDescription("no response for a unary call that ended OK")
                    .asRuntimeException(trailers));
          } else {
            completeFromSource(response);
          }
        }
      };
    }
  }
}
