package io.switchboard.gateway;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import java.util.function.Supplier;
import javax.net.ssl.SSLSession;

/**
 * Sets up one accepted connection of the gateway's front, the one place that decides per connection
 * (and where per-connection budgets belong): TLS with ALPN choosing {@code h2} or {@code http/1.1},
 * or cleartext, where an HTTP/2 preface (prior knowledge) or an {@code Upgrade: h2c} request turns
 * the connection into HTTP/2 and anything else is served as HTTP/1.1. On HTTP/2 each stream gets
 * its own child channel ({@link Http2MultiplexHandler}) converted to HTTP objects, so one {@link
 * ExchangeHandler} serves both versions and the protocol is chosen per request.
 */
final class FrontConnection extends ChannelInitializer<Channel> {
  /** HTTP/1.1 request line and headers: grpc's default header list size. */
  static final int MAX_HEADER_BYTES = 8192;

  /** A body chunk handed on at a time on HTTP/1.1. */
  static final int MAX_CHUNK_BYTES = 16 * 1024;

  /**
   * Concurrent HTTP/2 streams per connection: 1000, far above what one client multiplexes, a bound
   * on what it can make the gateway hold.
   */
  static final int MAX_CONCURRENT_STREAMS = 1000;

  /** An {@code Upgrade: h2c} request's body is buffered whole: at most this many bytes. */
  static final int MAX_UPGRADE_BODY_BYTES = 64 * 1024;

  private final FrontSettings settings;
  private final Supplier<SslContext> tls;
  private final int windowBytes;

  /**
   * @param tls the current TLS context, or null for cleartext
   * @param windowBytes the HTTP/2 stream window clients get, which bounds the request bytes a
   *     stream holds in the gateway
   */
  FrontConnection(FrontSettings settings, Supplier<SslContext> tls, int windowBytes) {
    this.settings = settings;
    this.tls = tls;
    this.windowBytes = windowBytes;
  }

  @Override
  protected void initChannel(Channel ch) {
    ChannelPipeline p = ch.pipeline();
    if (tls != null) {
      p.addLast("tls", tls.get().newHandler(ch.alloc()));
      p.addLast(
          "alpn",
          new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
              if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                ctx.pipeline().addLast(http2Codec(), multiplex(ctx.channel()));
              } else {
                http1(ctx.pipeline(), ctx.channel());
              }
            }
          });
      return;
    }
    HttpServerCodec codec = httpCodec();
    HttpServerUpgradeHandler upgrade =
        new HttpServerUpgradeHandler(
            codec,
            protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                    ? new Http2ServerUpgradeCodec(http2Codec(), multiplex(ch))
                    : null,
            MAX_UPGRADE_BODY_BYTES);
    p.addLast(
        new CleartextHttp2ServerUpgradeHandler(
            codec,
            upgrade,
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(Channel channel) {
                channel.pipeline().addLast(http2Codec(), multiplex(channel));
              }
            }));
    // Reached by the first request of a connection that stays HTTP/1.1.
    p.addLast(
        "http1",
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
              ChannelPipeline pipeline = ctx.pipeline();
              pipeline.addAfter(ctx.name(), "expect", new HttpServerExpectContinueHandler());
              pipeline.addAfter(
                  "expect",
                  "exchange",
                  new ExchangeHandler(settings, false, attributes(ctx.channel())));
              pipeline.remove(this);
            }
            ctx.fireChannelRead(msg);
          }
        });
  }

  private void http1(ChannelPipeline p, Channel ch) {
    p.addLast(
        httpCodec(),
        new HttpServerExpectContinueHandler(),
        new ExchangeHandler(settings, false, attributes(ch)));
  }

  private static HttpServerCodec httpCodec() {
    return new HttpServerCodec(4096, MAX_HEADER_BYTES, MAX_CHUNK_BYTES);
  }

  private Http2FrameCodec http2Codec() {
    Http2Settings initial =
        Http2Settings.defaultSettings()
            .initialWindowSize(windowBytes)
            .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
            .maxHeaderListSize(MAX_HEADER_BYTES);
    return Http2FrameCodecBuilder.forServer()
        .initialSettings(initial)
        .autoAckPingFrame(true)
        .build();
  }

  private ChannelHandler multiplex(Channel connection) {
    Attributes attributes = attributes(connection);
    return new Http2MultiplexHandler(
        new ChannelInitializer<Http2StreamChannel>() {
          @Override
          protected void initChannel(Http2StreamChannel stream) {
            stream
                .pipeline()
                .addLast(
                    new PathGuard(),
                    new Http2StreamFrameToHttpObjectCodec(true, false),
                    new ExchangeHandler(settings, true, attributes));
          }
        });
  }

  /** The connection's transport attributes, as grpc names them: addresses and TLS session. */
  static Attributes attributes(Channel ch) {
    Attributes.Builder attributes =
        Attributes.newBuilder()
            .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, ch.remoteAddress())
            .set(Grpc.TRANSPORT_ATTR_LOCAL_ADDR, ch.localAddress());
    SslHandler ssl = ch.pipeline().get(SslHandler.class);
    if (ssl != null) {
      SSLSession session = ssl.engine().getSession();
      attributes.set(Grpc.TRANSPORT_ATTR_SSL_SESSION, session);
    }
    return attributes.build();
  }
}
