package io.switchboard.gateway;

import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;

/**
 * Splits a request body into the length-prefixed messages that gRPC, gRPC-Web and the Connect
 * protocol's streams share: one flags byte, a 4-byte big-endian length, the message. It holds the
 * bytes it was given and not yet handed out (at most one read batch past the message being
 * assembled: the caller reads more only when it wants a message), and refuses a length over the
 * limit as soon as the prefix is read, before buffering the message.
 */
final class Deframer {
  /** The prefix of every message: flags byte and 4-byte length. */
  static final int HEADER_BYTES = 5;

  /** Flag bit of a compressed message (gRPC) or a compressed Connect envelope. */
  static final int FLAG_COMPRESSED = 0x01;

  /** One parsed message: its flags and its bytes (the caller owns and releases them). */
  record Frame(int flags, ByteBuf bytes) {}

  private final CompositeByteBuf buffer;
  private final int maxMessageBytes;
  private final String what;

  /**
   * @param maxMessageBytes the largest message accepted
   * @param what names the route in errors, e.g. "route users"
   */
  Deframer(ByteBufAllocator alloc, int maxMessageBytes, String what) {
    this.buffer = alloc.compositeBuffer(Integer.MAX_VALUE);
    this.maxMessageBytes = maxMessageBytes;
    this.what = what;
  }

  /** Takes ownership of {@code bytes}. */
  void add(ByteBuf bytes) {
    if (bytes.isReadable()) {
      buffer.addComponent(true, bytes);
      if (buffer.numComponents() > 64) {
        buffer.consolidate();
      }
    } else {
      bytes.release();
    }
  }

  /**
   * Returns the next complete message, or null if more bytes are needed.
   *
   * @throws io.grpc.StatusRuntimeException with RESOURCE_EXHAUSTED for a message over the limit
   */
  Frame next() {
    if (buffer.readableBytes() < HEADER_BYTES) {
      return null;
    }
    int start = buffer.readerIndex();
    int flags = buffer.getUnsignedByte(start);
    long length = buffer.getUnsignedInt(start + 1);
    if (length > maxMessageBytes) {
      throw Status.RESOURCE_EXHAUSTED
          .withDescription(
              what
                  + ": request message of "
                  + length
                  + " bytes exceeds the route's limit of "
                  + maxMessageBytes
                  + " bytes (maxMessageBytes)")
          .asRuntimeException();
    }
    if (buffer.readableBytes() < HEADER_BYTES + length) {
      return null;
    }
    buffer.skipBytes(HEADER_BYTES);
    ByteBuf message = take((int) length);
    buffer.discardReadComponents();
    return new Frame(flags, message);
  }

  /**
   * Takes the next {@code length} bytes without copying: retained slices of the buffers they are
   * in, which outlive the composite's discarding of read components.
   */
  private ByteBuf take(int length) {
    List<ByteBuf> parts = buffer.decompose(buffer.readerIndex(), length);
    buffer.skipBytes(length);
    if (parts.isEmpty()) {
      return Unpooled.EMPTY_BUFFER;
    }
    if (parts.size() == 1) {
      return parts.get(0).retain();
    }
    CompositeByteBuf message = buffer.alloc().compositeBuffer(parts.size());
    for (ByteBuf part : parts) {
      message.addComponent(true, part.retain());
    }
    return message;
  }

  /** Returns whether a whole message is waiting to be taken. */
  boolean hasWhole() {
    return buffer.readableBytes() >= HEADER_BYTES
        && buffer.readableBytes() - HEADER_BYTES >= buffer.getUnsignedInt(buffer.readerIndex() + 1);
  }

  /** Returns whether bytes of an incomplete message are left. */
  boolean hasPartial() {
    return buffer.isReadable();
  }

  /** Returns the bytes held and not yet handed out. */
  int buffered() {
    return buffer.readableBytes();
  }

  /** Releases what is held; idempotent. */
  void release() {
    if (buffer.refCnt() > 0) {
      buffer.release();
    }
  }
}
