package io.switchboard.gateway;

import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;

/**
 * Writes one call's response in its protocol's form. Called on the call's event loop only, in the
 * order headers (at most once), messages, close (once).
 */
interface Responder {
  /** Writes or keeps the backend's response headers. */
  void headers(Metadata headers);

  /**
   * Writes one response message (the caller's buffer, released by the responder). Returns false if
   * the protocol cannot carry it (a second message of a unary call): the call then fails.
   */
  boolean message(ByteBuf message);

  /** Ends the response with the call's status and trailers; the exchange is then complete. */
  void close(Status status, Metadata trailers);
}
