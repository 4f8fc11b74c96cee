package io.switchboard.core;

import java.util.concurrent.CompletionStage;

/**
 * A unary method implemented as a function that returns a future response.
 *
 * <p>When the client cancels the call (or its deadline passes), the returned stage is cancelled if
 * it is a {@link java.util.concurrent.Future}. A stage that completes exceptionally, or an
 * exception thrown before returning it, becomes the call's {@link io.grpc.Status} through the
 * binder's {@link ErrorMapper}; a null stage or a null result fails the call with {@code INTERNAL}.
 *
 * @param <ReqT> the request type
 * @param <RespT> the response type
 */
@FunctionalInterface
public interface AsyncUnaryHandler<ReqT, RespT> {
  /**
   * Starts handling one request.
   *
   * @param request the decoded request, never null
   * @return a stage that completes with the response
   * @throws Exception any failure; mapped to a status by the {@link ErrorMapper}
   */
  CompletionStage<RespT> handle(ReqT request) throws Exception;
}
