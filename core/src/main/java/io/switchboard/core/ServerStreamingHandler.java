package io.switchboard.core;

import io.grpc.stub.StreamObserver;

/**
 * A server-streaming method: one request in, any number of responses out.
 *
 * <p>The observer passed in is a {@link io.grpc.stub.ServerCallStreamObserver} (cast it to use
 * {@code isReady()}, {@code setOnReadyHandler} and {@code setOnCancelHandler}, or hand it to the
 * streaming module's flow-controlled sender). A throwable given to its {@code onError}, or thrown
 * by this method, becomes the call's status through the binder's {@link ErrorMapper}.
 *
 * @param <ReqT> the request type
 * @param <RespT> the response type
 */
@FunctionalInterface
public interface ServerStreamingHandler<ReqT, RespT> {
  /**
   * Starts the response stream for one request. May return before the stream ends.
   *
   * @param request the decoded request, never null
   * @param responses where to send responses, then {@code onCompleted} or {@code onError}
   * @throws Exception any failure; mapped to a status by the {@link ErrorMapper}
   */
  void handle(ReqT request, StreamObserver<RespT> responses) throws Exception;
}
