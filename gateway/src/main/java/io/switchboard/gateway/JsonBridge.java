package io.switchboard.gateway;

import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.switchboard.msgpack.json.JsonTranscoder;
import java.io.IOException;
import java.io.InputStream;

/**
 * The JSON side of one method: requests from JSON to MessagePack, responses back, by the schema the
 * backend publishes or, when it publishes none, schemaless (map-shaped messages only).
 */
final class JsonBridge {
  private final String method;
  private final JsonTranscoder requests;
  private final JsonTranscoder responses;
  private final String noSchemaReason;

  /**
   * @param noSchemaReason why no schema is known (the transcoders are schemaless), or null
   */
  JsonBridge(
      String method, JsonTranscoder requests, JsonTranscoder responses, String noSchemaReason) {
    this.method = method;
    this.requests = requests;
    this.responses = responses;
    this.noSchemaReason = noSchemaReason;
  }

  /**
   * Transcodes one JSON request message; the caller keeps ownership of {@code json}.
   *
   * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT naming the position for bad JSON
   */
  ByteBuf toMessagePack(ByteBuf json) {
    byte[] bytes = ByteBufUtil.getBytes(json);
    return Unpooled.wrappedBuffer(requests.toMessagePack(bytes));
  }

  /**
   * Transcodes one MessagePack response message into JSON.
   *
   * @throws io.grpc.StatusRuntimeException FAILED_PRECONDITION for an array-shaped message without
   *     a schema, INTERNAL for bytes that are not MessagePack of the type
   */
  ByteBuf toJson(InputStream msgpack, ByteBufAllocator alloc) {
    byte[] bytes;
    try {
      bytes = msgpack.readAllBytes();
    } catch (IOException e) {
      throw Status.INTERNAL
          .withDescription("gateway could not read a response message: " + e)
          .asRuntimeException();
    }
    if (noSchemaReason != null && bytes.length > 0 && isArray(bytes[0])) {
      throw Status.FAILED_PRECONDITION
          .withDescription(
              "the response of "
                  + method
                  + " is an array-shaped MessagePack message;"
                  + " JSON needs its field names from the schema the backend publishes through "
                  + "switchboard.reflection.v1.SchemaReflection, and none is known: "
                  + noSchemaReason)
          .asRuntimeException();
    }
    ByteBuf out = alloc.buffer(bytes.length * 2);
    try {
      responses.toJson(bytes, 0, bytes.length, new ByteBufOutputStream(out));
      return out;
    } catch (io.grpc.StatusRuntimeException e) {
      out.release();
      // A response the backend sent that is not its own type: the gateway's problem, not the
      // client's.
      throw Status.INTERNAL.withDescription(e.getStatus().getDescription()).asRuntimeException();
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
  }

  /** fixarray, array 16, array 32. */
  private static boolean isArray(byte first) {
    int b = first & 0xff;
    return (b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd;
  }
}
