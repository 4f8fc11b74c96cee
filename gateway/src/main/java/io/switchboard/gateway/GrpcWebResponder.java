package io.switchboard.gateway;

import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.base64.Base64;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import java.nio.charset.StandardCharsets;

/**
 * gRPC-Web (binary or base64 text): HTTP 200 and the headers, length-prefixed messages, then the
 * status and trailers as a last message flagged {@code 0x80} in the body, as the gRPC-Web spec
 * says, so HTTP/1.1 and browsers, which cannot read HTTP trailers, get them. In text mode each
 * written chunk is base64 on its own (padding included), which the spec allows.
 */
final class GrpcWebResponder implements Responder {
  static final int FLAG_TRAILERS = 0x80;

  private final Exchange exchange;
  private final boolean text;
  private final String contentType;
  private boolean headersSent;

  GrpcWebResponder(Exchange exchange, boolean text, String requestContentType) {
    this.exchange = exchange;
    this.text = text;
    String type = requestContentType.strip();
    this.contentType =
        type.contains("+")
            ? type
            : (text ? "application/grpc-web-text+proto" : "application/grpc-web+proto");
  }

  @Override
  public void headers(Metadata headers) {
    headersSent = true;
    exchange.startStream(contentType, headers);
  }

  @Override
  public boolean message(ByteBuf framed) {
    exchange.write(new DefaultHttpContent(encode(framed)));
    return true;
  }

  @Override
  public void close(Status status, Metadata trailers) {
    if (!headersSent) {
      headers(new Metadata());
    }
    StringBuilder block = new StringBuilder();
    block.append("grpc-status:").append(status.getCode().value()).append("\r\n");
    if (status.getDescription() != null) {
      block.append("grpc-message:").append(WireHeaders.percentEncode(status.getDescription()));
      block.append("\r\n");
    }
    WireHeaders.forEach(
        trailers, (name, value) -> block.append(name).append(':').append(value).append("\r\n"));
    byte[] bytes = block.toString().getBytes(StandardCharsets.US_ASCII);
    ByteBuf frame = exchange.alloc().buffer(Deframer.HEADER_BYTES + bytes.length);
    frame.writeByte(FLAG_TRAILERS).writeInt(bytes.length).writeBytes(bytes);
    // The trailer frame ends the body: one last DATA frame (HTTP/2) or chunk (HTTP/1.1).
    exchange.end(new DefaultLastHttpContent(encode(frame)));
  }

  private ByteBuf encode(ByteBuf framed) {
    if (!text) {
      return framed;
    }
    try {
      return Base64.encode(framed, false);
    } finally {
      framed.release();
    }
  }
}
