package io.switchboard.gateway;

import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Native gRPC over HTTP/2: response headers, length-prefixed messages in DATA frames, the status in
 * trailers (or, when the call fails before any header, in one trailers-only HEADERS frame).
 */
final class GrpcResponder implements Responder {
  private final Exchange exchange;
  private boolean headersSent;

  GrpcResponder(Exchange exchange) {
    this.exchange = exchange;
  }

  @Override
  public void headers(Metadata headers) {
    DefaultHttpResponse response =
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    grpcHeaders(response.headers());
    WireHeaders.addTo(response.headers(), headers, "");
    headersSent = true;
    exchange.write(response);
  }

  @Override
  public boolean message(ByteBuf framed) {
    exchange.write(new DefaultHttpContent(framed));
    return true;
  }

  @Override
  public void close(Status status, Metadata trailers) {
    if (!headersSent) {
      DefaultFullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      grpcHeaders(response.headers());
      statusHeaders(response.headers(), status);
      WireHeaders.addTo(response.headers(), trailers, "");
      exchange.end(response);
      return;
    }
    LastHttpContent last = new DefaultLastHttpContent();
    statusHeaders(last.trailingHeaders(), status);
    WireHeaders.addTo(last.trailingHeaders(), trailers, "");
    exchange.end(last);
  }

  private void grpcHeaders(HttpHeaders headers) {
    headers.set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
    headers.set("grpc-accept-encoding", "identity");
    exchange.decorate(headers);
  }

  static void statusHeaders(HttpHeaders headers, Status status) {
    headers.set("grpc-status", Integer.toString(status.getCode().value()));
    if (status.getDescription() != null) {
      headers.set("grpc-message", WireHeaders.percentEncode(status.getDescription()));
    }
  }
}
