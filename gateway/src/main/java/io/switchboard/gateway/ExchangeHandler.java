package io.switchboard.gateway;

import io.grpc.Attributes;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves requests on one HTTP/2 stream (one request) or one HTTP/1.1 connection (one request after
 * the other), both seen as Netty's HTTP objects: picks the protocol from the {@code content-type},
 * answers CORS preflights and requests the gateway does not serve, and hands the rest to a {@link
 * FrontCall} started on the request's route.
 *
 * <p>Reads are on demand (auto-read off): the request's call asks for messages, and this handler
 * reads the transport only then. On HTTP/1.1, between the end of a request and the end of its
 * response, one more read watches for the client going away; a pipelined next request read then
 * waits, with reading stopped, until the response is written.
 */
final class ExchangeHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ExchangeHandler.class);

  /**
   * Bytes of an answered request's body an HTTP/2 stream reads and drops before it is reset: 1 MiB,
   * enough for a client that reads the answer only after uploading a rejected body.
   */
  static final long MAX_DRAIN_BYTES = 1024 * 1024;

  /**
   * The longest request path the gateway routes: 512 characters, far above real names (grpc's own
   * longest, {@code /grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo}, has 62) and a
   * bound on what a made-up name costs in logs, metrics and the method cache.
   */
  static final int MAX_PATH_LENGTH = 512;

  /** The descriptor of a call refused for its path: the path itself is never used as a name. */
  private static final MethodDescriptor<InputStream, InputStream> INVALID_METHOD =
      MethodDescriptor.newBuilder(PassthroughMarshaller.INSTANCE, PassthroughMarshaller.INSTANCE)
          .setFullMethodName("invalid/path")
          .setType(MethodDescriptor.MethodType.UNKNOWN)
          .build();

  private final FrontSettings front;
  private final boolean http2;
  private final Attributes attributes;
  private final ArrayDeque<Object> waiting = new ArrayDeque<>();
  private Exchange exchange;
  private FrontCall call;
  private boolean requestEnded = true;
  private boolean closeWhenDone;
  private long drained;

  ExchangeHandler(FrontSettings front, boolean http2, Attributes attributes) {
    this.front = front;
    this.http2 = http2;
    this.attributes = attributes;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(false);
    if (ctx.channel().isActive()) {
      ctx.read();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.read();
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (busy() || !waiting.isEmpty()) {
      // HTTP/1.1: the next request, read while the response to this one is being written.
      waiting.add(msg);
      return;
    }
    handle(ctx, msg);
  }

  /** Whether a response is being written after its request was read in full. */
  private boolean busy() {
    return exchange != null && requestEnded;
  }

  private void handle(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      requestEnded = false;
      try {
        onRequest(ctx, request);
      } catch (RuntimeException e) {
        log.warn("gateway front failed on a request to {}", request.uri(), e);
        if (exchange == null || !exchange.ended()) {
          respond(
              ctx,
              request,
              HttpResponseStatus.INTERNAL_SERVER_ERROR,
              Status.INTERNAL.withDescription("the gateway failed on this request"));
        }
      }
    }
    if (msg instanceof HttpContent content) {
      boolean last = content instanceof LastHttpContent;
      if (last) {
        requestEnded = true;
      }
      FrontCall current = call; // onContent may end the exchange, which clears the field
      if (current != null) {
        current.onContent(content.content());
        if (last) {
          current.onEnd();
        }
      } else {
        drained += content.content().readableBytes();
        content.release();
        if (!last && exchange == null) {
          if (http2 && drained > MAX_DRAIN_BYTES) {
            // Enough of a body nobody wants: stop the stream (HTTP/1.1 closes in exchangeDone).
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
          } else {
            ctx.read(); // draining the body of a request already answered
          }
        }
      }
      if (last && !http2 && exchange != null && !exchange.ended()) {
        ctx.read(); // watch for the client going away
      }
      if (last && exchange == null) {
        ctx.read();
      }
    } else if (!(msg instanceof HttpRequest)) {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
    if (request.decoderResult().isFailure()) {
      closeWhenDone = true;
      respond(
          ctx,
          request,
          HttpResponseStatus.BAD_REQUEST,
          Status.INVALID_ARGUMENT.withDescription(
              "malformed HTTP request: " + request.decoderResult().cause()));
      return;
    }
    String path = pathOf(request.uri());
    String shaped = fullMethodName(path);
    // A path of the right shape with a name gRPC does not allow is refused in the caller's
    // protocol, and never routed: no route (a default one included) sees it.
    String invalid = shaped == null ? null : invalidMethodName(path);
    String fullMethod = invalid == null ? shaped : null;
    RouteHandler route = fullMethod == null ? null : front.table().routeOfMethod(fullMethod);
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    Cors.Decision cors =
        Cors.decide(
            route != null && route.route().cors().isPresent()
                ? route.route().cors().get()
                : front.cors(),
            origin);

    if (request.method().equals(HttpMethod.OPTIONS)) {
      FullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
      if (!cors.preflight(request.headers(), response.headers())) {
        respond(
            ctx,
            request,
            HttpResponseStatus.FORBIDDEN,
            Status.PERMISSION_DENIED.withDescription(
                "CORS preflight refused: origin "
                    + origin
                    + " may not call "
                    + path
                    + " with these headers (see the gateway's CORS settings)"));
        return;
      }
      HttpUtil.setContentLength(response, 0);
      send(ctx, request, Cors.Decision.NONE, response); // preflight() added the CORS headers
      return;
    }
    if (fullMethod == null && invalid == null) {
      respond(
          ctx,
          request,
          HttpResponseStatus.NOT_FOUND,
          cors,
          Status.NOT_FOUND.withDescription(
              "no such route: " + path + " (the gateway serves POST /{service}/{method})"));
      return;
    }
    WireFormat format = WireFormat.of(request.headers().get(HttpHeaderNames.CONTENT_TYPE));
    if (format == null) {
      respond(
          ctx,
          request,
          HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
          cors,
          Status.INVALID_ARGUMENT.withDescription(
              "unsupported content-type '"
                  + request.headers().get(HttpHeaderNames.CONTENT_TYPE)
                  + "' (expected: application/grpc, application/grpc-web, application/grpc-web-text,"
                  + " application/json or application/connect+json)"));
      return;
    }
    if (!request.method().equals(HttpMethod.POST)) {
      respond(
          ctx,
          request,
          HttpResponseStatus.METHOD_NOT_ALLOWED,
          cors,
          Status.UNIMPLEMENTED.withDescription(
              request.method() + " " + path + " (expected: POST)"));
      return;
    }
    if (format == WireFormat.GRPC && !http2) {
      respond(
          ctx,
          request,
          HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
          cors,
          Status.INVALID_ARGUMENT.withDescription(
              "native gRPC needs HTTP/2 (its status travels in HTTP trailers); over HTTP/1.1 use"
                  + " application/grpc-web or application/json"));
      return;
    }
    boolean keepAlive = http2 || HttpUtil.isKeepAlive(request);
    Exchange current =
        new Exchange(
            ctx,
            http2,
            keepAlive,
            cors,
            attributes,
            request.headers().get(HttpHeaderNames.HOST),
            () -> exchangeDone(ctx));
    exchange = current;
    String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
    Responder responder =
        switch (format) {
          case GRPC -> new GrpcResponder(current);
          case GRPC_WEB -> new GrpcWebResponder(current, false, contentType);
          case GRPC_WEB_TEXT -> new GrpcWebResponder(current, true, contentType);
          case CONNECT_UNARY -> new ConnectResponder(current, false);
          case CONNECT_STREAM -> new ConnectResponder(current, true);
        };
    int limit = route != null ? route.maxMessageBytes() : Route.DEFAULT_MAX_MESSAGE_BYTES;
    FrontCall frontCall =
        new FrontCall(
            current,
            format,
            invalid != null ? INVALID_METHOD : front.table().descriptor(fullMethod),
            responder,
            route != null ? route.name() : "(none)",
            limit);
    call = frontCall;
    if (invalid != null) {
      frontCall.fail(Status.INVALID_ARGUMENT.withDescription(invalid));
      return;
    }
    Metadata headers = WireHeaders.toMetadata(request.headers());
    Deadline deadline;
    try {
      deadline =
          format.protocol == Protocol.JSON
              ? WireHeaders.connectTimeout(request.headers().get("connect-timeout-ms"))
              : WireHeaders.grpcTimeout(request.headers().get("grpc-timeout"));
    } catch (StatusRuntimeException e) {
      frontCall.fail(e.getStatus());
      return;
    }
    if (format.json() && route != null && !front.table().isLocal(route)) {
      route
          .schemas(front.json())
          .bridge(fullMethod, format == WireFormat.CONNECT_STREAM)
          .whenComplete(
              (bridge, failure) ->
                  current
                      .eventLoop()
                      .execute(
                          () -> {
                            if (frontCall.isCancelled() || current.ended()) {
                              return;
                            }
                            if (failure != null) {
                              frontCall.fail(Status.fromThrowable(failure));
                              return;
                            }
                            frontCall.json(bridge);
                            start(frontCall, fullMethod, headers, deadline, format);
                          }));
      return;
    }
    start(frontCall, fullMethod, headers, deadline, format);
  }

  private void start(
      FrontCall frontCall,
      String fullMethod,
      Metadata headers,
      Deadline deadline,
      WireFormat format) {
    if (front.executor() == null) {
      frontCall.listen(
          front.table().start(fullMethod, frontCall, headers, deadline, format.protocol));
      return;
    }
    // An authenticator that may block runs on the gateway's executor, off the event loop.
    front
        .executor()
        .execute(
            () -> {
              ServerCall.Listener<InputStream> listener =
                  front.table().start(fullMethod, frontCall, headers, deadline, format.protocol);
              frontCall.eventLoop().execute(() -> frontCall.listen(listener));
            });
  }

  private void exchangeDone(ChannelHandlerContext ctx) {
    boolean unread = !requestEnded;
    exchange = null;
    call = null;
    if (http2) {
      if (unread) {
        // The response went out before the request's end (an error on its first bytes): read
        // and drop the rest, so that a client that reads only after uploading (curl) gets it.
        ctx.read();
      }
      return;
    }
    if (unread || closeWhenDone) {
      ctx.channel().eventLoop().execute(() -> ctx.close());
      return;
    }
    while (!waiting.isEmpty() && !busy()) {
      handle(ctx, waiting.poll());
    }
    if (exchange == null) {
      ctx.read();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (call != null) {
      call.onClientGone();
    }
    call = null;
    exchange = null;
    waiting.forEach(ReferenceCountUtil::release);
    waiting.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (call != null && ctx.channel().isWritable()) {
      call.onWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("gateway front: closing {} after {}", ctx.channel(), cause.toString());
    if (call != null) {
      call.onClientGone();
    }
    ctx.close();
  }

  private void respond(
      ChannelHandlerContext ctx,
      HttpRequest request,
      HttpResponseStatus httpStatus,
      Status status) {
    respond(ctx, request, httpStatus, Cors.Decision.NONE, status);
  }

  /** Answers a request the gateway does not serve with Connect's JSON error body. */
  private void respond(
      ChannelHandlerContext ctx,
      HttpRequest request,
      HttpResponseStatus httpStatus,
      Cors.Decision cors,
      Status status) {
    ByteBuf body = ConnectResponder.error(ctx.alloc(), status);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, httpStatus, body);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    HttpUtil.setContentLength(response, body.readableBytes());
    send(ctx, request, cors, response);
  }

  /** Sends a whole response of the gateway's own; the exchange is then over. */
  private void send(
      ChannelHandlerContext ctx,
      HttpRequest request,
      Cors.Decision cors,
      FullHttpResponse response) {
    Exchange answer =
        new Exchange(
            ctx,
            http2,
            http2 || HttpUtil.isKeepAlive(request),
            cors,
            attributes,
            null,
            () -> exchangeDone(ctx));
    exchange = answer;
    answer.decorate(response.headers());
    answer.end(response);
  }

  private static String pathOf(String uri) {
    int query = uri.indexOf('?');
    return query >= 0 ? uri.substring(0, query) : uri;
  }

  /**
   * Returns why {@code /service/method} is not a method name the gateway routes, or null if it is
   * one: at most {@link #MAX_PATH_LENGTH} characters, the service and the method each one or more
   * non-empty dot-separated parts of ASCII letters, digits, {@code _} and {@code -} (protobuf's
   * identifiers, with the {@code -} some IDLs use). So no {@code ..}, no empty part, no
   * percent-escape, no control character or other byte a backend might read differently. The path
   * itself is not echoed (it may be long or binary): the reason names the length or the position.
   */
  static String invalidMethodName(String path) {
    if (path.length() > MAX_PATH_LENGTH) {
      return "method path of "
          + path.length()
          + " characters (expected: at most "
          + MAX_PATH_LENGTH
          + ")";
    }
    char previous = '/';
    for (int i = 1; i < path.length(); i++) {
      char c = path.charAt(i);
      boolean separator = c == '.' || c == '/';
      if (separator) {
        if (previous == '.' || previous == '/') {
          return "method path has an empty name part at index "
              + i
              + " (expected: /service/method, no '..', no leading or trailing '.')";
        }
      } else if (!((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '_'
          || c == '-')) {
        return String.format(
            "method path has character U+%04X at index %d (expected: /service/method of ASCII"
                + " letters, digits, '_', '-' and '.' between parts)",
            (int) c, i);
      }
      previous = c;
    }
    if (previous == '.') {
      return "method path ends with '.' (expected: /service/method)";
    }
    return null;
  }

  /** Returns {@code service/method} of {@code /service/method}, or null if the path is not one. */
  static String fullMethodName(String path) {
    if (path.length() < 4 || path.charAt(0) != '/') {
      return null;
    }
    int slash = path.indexOf('/', 1);
    if (slash <= 1 || slash == path.length() - 1 || path.indexOf('/', slash + 1) >= 0) {
      return null;
    }
    return path.substring(1);
  }
}
