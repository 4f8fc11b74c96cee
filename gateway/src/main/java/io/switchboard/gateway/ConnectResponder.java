package io.switchboard.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Connect protocol with JSON. Unary: the response message is the body, the status an HTTP
 * status and, for an error, Connect's JSON error body {@code {"code": "not_found", "message":
 * "..."}}; trailers travel as {@code trailer-}-prefixed headers, so the response is held until the
 * call closes (one message, within the route's limit). Server-streaming ({@code
 * application/connect+json}): HTTP 200, each message in an envelope, then the end-of-stream
 * envelope (flag {@code 0x02}) with the error, if any, and the trailers as {@code metadata}.
 */
final class ConnectResponder implements Responder {
  static final int FLAG_END_STREAM = 0x02;
  static final JsonFactory JSON = new JsonFactory();

  private final Exchange exchange;
  private final boolean stream;
  private Metadata headers = new Metadata();
  private ByteBuf unaryBody;
  private boolean headersSent;

  ConnectResponder(Exchange exchange, boolean stream) {
    this.exchange = exchange;
    this.stream = stream;
  }

  @Override
  public void headers(Metadata headers) {
    if (!stream) {
      this.headers = headers;
      return;
    }
    headersSent = true;
    exchange.startStream("application/connect+json", headers);
  }

  @Override
  public boolean message(ByteBuf json) {
    if (stream) {
      ByteBuf header = exchange.alloc().buffer(Deframer.HEADER_BYTES);
      header.writeByte(0).writeInt(json.readableBytes());
      exchange.write(new DefaultHttpContent(Unpooled.wrappedBuffer(header, json)));
      return true;
    }
    if (unaryBody != null) {
      json.release();
      return false;
    }
    unaryBody = json;
    return true;
  }

  @Override
  public void close(Status status, Metadata trailers) {
    if (stream) {
      if (!headersSent) {
        headers(new Metadata());
      }
      ByteBuf end = endStream(status, trailers);
      ByteBuf header = exchange.alloc().buffer(Deframer.HEADER_BYTES);
      header.writeByte(FLAG_END_STREAM).writeInt(end.readableBytes());
      exchange.end(new DefaultLastHttpContent(Unpooled.wrappedBuffer(header, end)));
      return;
    }
    Status outcome = status;
    if (outcome.isOk() && unaryBody == null) {
      outcome =
          Status.INTERNAL.withDescription("the backend closed the unary call without a response");
    }
    FullHttpResponse response;
    if (outcome.isOk()) {
      response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, unaryBody);
      unaryBody = null;
    } else {
      release();
      response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(WireHeaders.connectHttpStatus(outcome.getCode())),
              error(exchange.alloc(), outcome));
    }
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    WireHeaders.addTo(response.headers(), headers, "");
    WireHeaders.addTo(response.headers(), trailers, "trailer-");
    HttpUtil.setContentLength(response, response.content().readableBytes());
    exchange.decorate(response.headers());
    exchange.end(response);
  }

  /** Releases a held unary response. */
  void release() {
    if (unaryBody != null) {
      unaryBody.release();
      unaryBody = null;
    }
  }

  /** Returns Connect's JSON error body for a status. */
  static ByteBuf error(ByteBufAllocator alloc, Status status) {
    ByteBuf out = alloc.buffer();
    try (JsonGenerator g =
        JSON.createGenerator((java.io.OutputStream) new ByteBufOutputStream(out))) {
      writeError(g, status);
    } catch (IOException e) {
      out.release();
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static void writeError(JsonGenerator g, Status status) throws IOException {
    g.writeStartObject();
    g.writeStringField("code", WireHeaders.connectCode(status.getCode()));
    if (status.getDescription() != null) {
      g.writeStringField("message", status.getDescription());
    }
    g.writeEndObject();
  }

  private ByteBuf endStream(Status status, Metadata trailers) {
    Map<String, List<String>> metadata = new LinkedHashMap<>();
    WireHeaders.forEach(
        trailers,
        (name, value) -> metadata.computeIfAbsent(name, k -> new ArrayList<>()).add(value));
    ByteBuf out = exchange.alloc().buffer();
    try (JsonGenerator g =
        JSON.createGenerator((java.io.OutputStream) new ByteBufOutputStream(out))) {
      g.writeStartObject();
      if (!status.isOk()) {
        g.writeFieldName("error");
        writeError(g, status);
      }
      if (!metadata.isEmpty()) {
        g.writeObjectFieldStart("metadata");
        for (Map.Entry<String, List<String>> entry : metadata.entrySet()) {
          g.writeArrayFieldStart(entry.getKey());
          for (String value : entry.getValue()) {
            g.writeString(value);
          }
          g.writeEndArray();
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      out.release();
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
