package io.switchboard.core;

/**
 * A unary method implemented as a plain function that returns its response.
 *
 * <p>Runs on the server's executor; a handler that blocks holds one of its threads for as long as
 * it blocks. An exception it throws becomes the call's {@link io.grpc.Status} through the binder's
 * {@link ErrorMapper}; returning {@code null} fails the call with {@code INTERNAL}.
 *
 * @param <ReqT> the request type
 * @param <RespT> the response type
 */
@FunctionalInterface
public interface UnaryHandler<ReqT, RespT> {
  /**
   * Handles one request.
   *
   * @param request the decoded request, never null
   * @return the response, not null
   * @throws Exception any failure; mapped to a status by the {@link ErrorMapper}
   */
  RespT handle(ReqT request) throws Exception;
}
