package io.switchboard.gateway;

import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits before the HTTP/2-to-HTTP conversion of a stream and refuses, in the caller's protocol, a
 * request whose {@code :path} has a space, a control character or a non-ASCII character: Netty's
 * conversion rejects such a request line by resetting the stream, which tells the client nothing.
 * gRPC and gRPC-Web get a trailers-only {@code INVALID_ARGUMENT}, anything else a {@code 400} with
 * Connect's JSON error; the request never reaches a route. Every other frame passes untouched.
 */
final class PathGuard extends ChannelInboundHandlerAdapter {
  private boolean refused;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof Http2HeadersFrame frame) {
      CharSequence path = frame.headers().path();
      if (path != null && !printableAscii(path)) {
        refused = true;
        String reason = ExchangeHandler.invalidMethodName(path.toString());
        refuse(
            ctx,
            frame.headers(),
            reason != null
                ? reason
                : "method path has a space, control or non-ASCII character (expected:"
                    + " /service/method)");
        if (!frame.isEndStream()) {
          // The rest of the request is not wanted: end the stream (the answer is already sent).
          ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
        }
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  private static boolean printableAscii(CharSequence path) {
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static void refuse(ChannelHandlerContext ctx, Http2Headers request, String reason) {
    Status status = Status.INVALID_ARGUMENT.withDescription(reason);
    CharSequence contentType = request.get("content-type");
    Http2Headers response = new DefaultHttp2Headers();
    if (contentType != null && contentType.toString().startsWith("application/grpc")) {
      // Trailers-only: the status in the one HEADERS frame (the reason is printable ASCII, no '%').
      response
          .status("200")
          .set("content-type", contentType)
          .set("grpc-status", Integer.toString(status.getCode().value()))
          .set("grpc-message", reason);
      ctx.writeAndFlush(new DefaultHttp2HeadersFrame(response, true));
      return;
    }
    ByteBuf body = ConnectResponder.error(ctx.alloc(), status);
    response
        .status("400")
        .set("content-type", "application/json")
        .setInt("content-length", body.readableBytes());
    ctx.write(new DefaultHttp2HeadersFrame(response, false));
    ctx.writeAndFlush(new DefaultHttp2DataFrame(body, true));
  }
}
