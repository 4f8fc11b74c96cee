package io.switchboard.core;

import io.grpc.stub.StreamObserver;

/**
 * A client-streaming or bidirectional-streaming method: given the response observer, returns the
 * observer that receives the client's requests.
 *
 * <p>The response observer is a {@link io.grpc.stub.ServerCallStreamObserver}. An exception thrown
 * by this method or by the returned observer's {@code onNext}/{@code onCompleted}, and a throwable
 * given to the response observer's {@code onError}, become the call's status through the binder's
 * {@link ErrorMapper}; after such a failure further requests are ignored. For client streaming,
 * send exactly one response before {@code onCompleted}.
 *
 * @param <ReqT> the request type
 * @param <RespT> the response type
 */
@FunctionalInterface
public interface StreamingHandler<ReqT, RespT> {
  /**
   * Starts one call.
   *
   * @param responses where to send responses
   * @return the observer of the client's requests, not null
   * @throws Exception any failure; mapped to a status by the {@link ErrorMapper}
   */
  StreamObserver<ReqT> handle(StreamObserver<RespT> responses) throws Exception;
}
