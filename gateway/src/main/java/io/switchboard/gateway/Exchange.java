package io.switchboard.gateway;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * One request and its response on the wire: an HTTP/2 stream or one turn of an HTTP/1.1 connection.
 * Writes are flushed together once the event loop has run what is queued, so a burst of messages
 * costs one flush. Used on the event loop only, except {@link #isWritable()}.
 */
final class Exchange {
  private final ChannelHandlerContext ctx;
  private final boolean http2;
  private final boolean keepAlive;
  private final Cors.Decision cors;
  private final Attributes attributes;
  private final String authority;
  private final Runnable onEnd;
  private final Runnable flush = this::flushNow;
  private boolean flushScheduled;
  private boolean batching;
  private boolean unflushed;
  private boolean ended;

  Exchange(
      ChannelHandlerContext ctx,
      boolean http2,
      boolean keepAlive,
      Cors.Decision cors,
      Attributes attributes,
      String authority,
      Runnable onEnd) {
    this.ctx = ctx;
    this.http2 = http2;
    this.keepAlive = keepAlive;
    this.cors = cors;
    this.attributes = attributes;
    this.authority = authority;
    this.onEnd = onEnd;
  }

  EventLoop eventLoop() {
    return ctx.channel().eventLoop();
  }

  ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  Attributes attributes() {
    return attributes;
  }

  String authority() {
    return authority;
  }

  boolean isWritable() {
    return ctx.channel().isWritable();
  }

  boolean ended() {
    return ended;
  }

  /** Asks the transport for more of the request (reads are on demand). */
  void read() {
    ctx.read();
  }

  /** Adds the CORS response headers the request's origin gets. */
  void decorate(HttpHeaders headers) {
    cors.decorate(headers);
    if (!http2 && !keepAlive) {
      headers.set("connection", "close");
    }
  }

  /**
   * Writes the headers of a streamed response (200, length not known ahead: chunked on HTTP/1.1)
   * with the backend's headers and the CORS headers.
   */
  void startStream(String contentType, Metadata headers) {
    DefaultHttpResponse response =
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    WireHeaders.addTo(response.headers(), headers, "");
    decorate(response.headers());
    if (!http2) {
      HttpUtil.setTransferEncodingChunked(response, true);
    }
    write(response);
  }

  void write(HttpObject message) {
    if (ended) {
      ReferenceCountUtil.release(message);
      return;
    }
    ctx.write(message, ctx.voidPromise());
    if (batching) {
      unflushed = true;
    } else if (!flushScheduled) {
      flushScheduled = true;
      ctx.channel().eventLoop().execute(flush);
    }
  }

  /** Starts a batch of writes flushed once by {@link #endBatch()}, without a flush task. */
  void beginBatch() {
    batching = true;
  }

  /** Ends a batch: flushes what it wrote, if anything is still unflushed. */
  void endBatch() {
    batching = false;
    if (unflushed) {
      unflushed = false;
      if (!ended) {
        ctx.flush();
      }
    }
  }

  /** Writes the response's last part and flushes; the exchange is over. */
  void end(HttpObject last) {
    if (ended) {
      ReferenceCountUtil.release(last);
      return;
    }
    ended = true;
    var future = ctx.writeAndFlush(last);
    if (!http2 && !keepAlive) {
      future.addListener(ChannelFutureListener.CLOSE);
    }
    onEnd.run();
  }

  private void flushNow() {
    flushScheduled = false;
    ctx.flush();
  }
}
