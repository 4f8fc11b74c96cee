package io.switchboard.gateway;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.base64.Base64;
import java.io.IOException;
import java.io.InputStream;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One request on the gateway's front, whatever its protocol, as the {@link ServerCall} that a
 * {@link RouteHandler} joins to its backend call: the same {@link ProxyCall} serves gRPC, gRPC-Web
 * and JSON. The request body is split into messages ({@link Deframer}; base64-decoded first for
 * gRPC-Web-text; the whole body for unary JSON), JSON is transcoded to MessagePack by the call's
 * {@link JsonBridge}, and the response is written by the protocol's {@link Responder}.
 *
 * <p><b>Flow control.</b> Messages are handed to the listener only as far as it has {@linkplain
 * #request requested} them, and the transport is read only while a requested message is incomplete,
 * so the gateway holds at most one read batch past one message; HTTP/2 window updates follow those
 * reads. {@link #isReady()} is the stream's (or HTTP/1.1 connection's) writability, and {@code
 * onReady} fires when it turns writable again, so a slow client slows the backend.
 *
 * <p><b>Threads.</b> Everything that touches this object's state runs on the request's event loop;
 * the backend's listener calls {@code sendHeaders}, {@code sendMessage} and {@code close} from its
 * transport thread and they are handed over in order.
 */
final class FrontCall extends ServerCall<InputStream, InputStream> {
  /**
   * Response bytes handed to the event loop and not yet written past which the call is not ready:
   * 32 KiB, grpc-java's own on-ready threshold for its server streams.
   */
  static final int READY_THRESHOLD_BYTES = 32 * 1024;

  private final AtomicInteger queuedBytes = new AtomicInteger();
  private final Queue<Runnable> handOver = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable drain = this::drainHandOver;
  private final Exchange exchange;
  private final EventLoop loop;
  private final WireFormat format;
  private final MethodDescriptor<InputStream, InputStream> method;
  private final Responder responder;
  private final Deframer deframer;
  private final String routeName;
  private final int maxMessageBytes;
  private volatile Status failure;
  private final int maxRequestMessages;
  private JsonBridge json;
  private Listener<InputStream> listener;
  private ByteBuf unaryBody;
  private int base64Tail;
  private final byte[] base64Pending = new byte[4];
  private int demand;
  private int delivered;
  private boolean inboundEnded;
  private boolean halfClosed;
  private boolean closed;
  private volatile boolean cancelled;

  FrontCall(
      Exchange exchange,
      WireFormat format,
      MethodDescriptor<InputStream, InputStream> method,
      Responder responder,
      String routeName,
      int maxMessageBytes) {
    this.exchange = exchange;
    this.loop = exchange.eventLoop();
    this.format = format;
    this.method = method;
    this.responder = responder;
    this.routeName = routeName;
    this.maxMessageBytes = maxMessageBytes;
    this.deframer =
        format.enveloped()
            ? new Deframer(exchange.alloc(), maxMessageBytes, "route " + routeName)
            : null;
    // gRPC-Web and Connect carry one request message: unary and server-streaming calls only.
    this.maxRequestMessages = format == WireFormat.GRPC ? Integer.MAX_VALUE : 1;
  }

  /** Sets the JSON transcoding of a JSON call, before {@link #listen}. */
  void json(JsonBridge bridge) {
    this.json = bridge;
  }

  /** Returns the status the gateway failed this call with (bad input, a limit), or null. */
  Status failure() {
    return failure;
  }

  EventLoop eventLoop() {
    return loop;
  }

  /** Starts delivering to the call's listener. On the event loop. */
  void listen(Listener<InputStream> listener) {
    this.listener = listener;
    deliver();
  }

  // ---- inbound, on the event loop ----

  /** Takes ownership of a piece of the request body. */
  void onContent(ByteBuf content) {
    if (closed || cancelled) {
      content.release();
      return;
    }
    try {
      switch (format) {
        case CONNECT_UNARY -> appendUnary(content);
        case GRPC_WEB_TEXT -> deframer.add(decodeBase64(content));
        default -> deframer.add(content);
      }
    } catch (StatusRuntimeException e) {
      fail(e.getStatus());
      return;
    }
    deliver();
  }

  /** The request body is complete. */
  void onEnd() {
    inboundEnded = true;
    if (format == WireFormat.GRPC_WEB_TEXT && base64Tail != 0 && !closed) {
      fail(
          Status.INVALID_ARGUMENT.withDescription(
              "gRPC-Web-text request body is not valid base64 ("
                  + base64Tail
                  + " characters left over)"));
      return;
    }
    deliver();
  }

  /** The client went away (connection closed, stream reset). */
  void onClientGone() {
    if (!closed && !cancelled) {
      cancelled = true;
      closed = true;
      releaseBuffers();
      if (listener != null) {
        listener.onCancel();
      }
    }
  }

  /** The stream or connection became writable, or the hand-over queue drained. */
  void onWritable() {
    if (!closed && listener != null && isReady()) {
      listener.onReady();
    }
  }

  /**
   * Fails the call at the gateway: the client gets the status, the backend call is cancelled. On
   * the event loop.
   */
  void fail(Status status) {
    if (closed) {
      return;
    }
    failure = status;
    cancelled = true; // the proxy must not close it again
    closed = true;
    releaseBuffers();
    writeClose(status, new Metadata());
    if (listener != null) {
      listener.onCancel();
    }
  }

  private void deliver() {
    if (listener == null) {
      return;
    }
    try {
      while (demand > 0 && !closed && !halfClosed) {
        InputStream message = nextMessage();
        if (message == null) {
          break;
        }
        demand--;
        listener.onMessage(message);
      }
    } catch (StatusRuntimeException e) {
      fail(e.getStatus());
      return;
    }
    if (closed || halfClosed) {
      return;
    }
    if (inboundEnded) {
      if (deframer != null && deframer.hasWhole()) {
        return; // a message still to be requested
      }
      if (deframer != null && deframer.hasPartial()) {
        fail(
            Status.INVALID_ARGUMENT.withDescription(
                format.label
                    + " request body ends inside a message ("
                    + deframer.buffered()
                    + " bytes of a truncated frame)"));
        return;
      }
      if (format == WireFormat.CONNECT_UNARY && unaryBody != null) {
        return; // the body is one message, still to be requested
      }
      halfClosed = true;
      listener.onHalfClose();
    } else if (demand > 0) {
      exchange.read();
    }
  }

  /** Returns the next whole request message in MessagePack or the protocol's bytes, or null. */
  private InputStream nextMessage() {
    ByteBuf message;
    if (format == WireFormat.CONNECT_UNARY) {
      if (!inboundEnded || unaryBody == null) {
        return null;
      }
      message = unaryBody;
      unaryBody = null;
    } else {
      Deframer.Frame frame = deframer.next();
      if (frame == null) {
        return null;
      }
      message = frame.bytes();
      if ((frame.flags() & Deframer.FLAG_COMPRESSED) != 0) {
        message.release();
        throw Status.UNIMPLEMENTED
            .withDescription(
                format.label
                    + " request message is compressed; the gateway takes"
                    + " uncompressed messages only (send grpc-encoding identity)")
            .asRuntimeException();
      }
      if (++delivered > maxRequestMessages) {
        message.release();
        throw Status.UNIMPLEMENTED
            .withDescription(
                format.label
                    + " carries one request message (unary and"
                    + " server-streaming calls); client- and bidi-streaming calls need native gRPC"
                    + " over HTTP/2 (application/grpc)")
            .asRuntimeException();
      }
    }
    if (json != null) {
      try {
        return new ByteBufInputStream(json.toMessagePack(message), true);
      } finally {
        message.release();
      }
    }
    return new ByteBufInputStream(message, true);
  }

  private void appendUnary(ByteBuf content) {
    int size = (unaryBody == null ? 0 : unaryBody.readableBytes()) + content.readableBytes();
    if (size > maxMessageBytes) {
      content.release();
      throw Status.RESOURCE_EXHAUSTED
          .withDescription(
              "route "
                  + routeName
                  + ": JSON request body of more than "
                  + maxMessageBytes
                  + " bytes exceeds the route's limit of "
                  + maxMessageBytes
                  + " bytes (maxMessageBytes)")
          .asRuntimeException();
    }
    if (unaryBody == null) {
      unaryBody = exchange.alloc().compositeBuffer(Integer.MAX_VALUE);
    }
    ((io.netty.buffer.CompositeByteBuf) unaryBody).addComponent(true, content);
  }

  /** Decodes base64 in groups of 4 characters, keeping a partial group for the next piece. */
  private ByteBuf decodeBase64(ByteBuf content) {
    ByteBuf chars;
    try {
      chars = exchange.alloc().buffer(base64Tail + content.readableBytes());
      chars.writeBytes(base64Pending, 0, base64Tail).writeBytes(content);
    } finally {
      content.release();
    }
    try {
      int length = chars.readableBytes();
      int whole = length - length % 4;
      base64Tail = length - whole;
      chars.getBytes(whole, base64Pending, 0, base64Tail);
      chars.writerIndex(whole);
      for (int i = 0; i < whole; i++) {
        byte c = chars.getByte(i);
        if (!(c >= 'A' && c <= 'Z'
            || c >= 'a' && c <= 'z'
            || c >= '0' && c <= '9'
            || c == '+'
            || c == '/'
            || c == '=')) {
          throw Status.INVALID_ARGUMENT
              .withDescription(
                  "gRPC-Web-text request body is not valid base64 (byte 0x"
                      + Integer.toHexString(c & 0xff)
                      + " at offset "
                      + i
                      + " of a chunk)")
              .asRuntimeException();
        }
      }
      return Base64.decode(chars);
    } finally {
      chars.release();
    }
  }

  private void releaseBuffers() {
    if (deframer != null) {
      deframer.release();
    }
    if (unaryBody != null) {
      unaryBody.release();
      unaryBody = null;
    }
  }

  // ---- ServerCall, from any thread ----

  @Override
  public void request(int numMessages) {
    onLoop(
        () -> {
          demand = (int) Math.min(Integer.MAX_VALUE, (long) demand + numMessages);
          deliver();
        });
  }

  @Override
  public void sendHeaders(Metadata headers) {
    onLoop(
        () -> {
          if (!closed) {
            responder.headers(headers);
          }
        });
  }

  @Override
  public void sendMessage(InputStream message) {
    ByteBuf framed;
    try {
      framed = json == null ? frame(message) : json.toJson(message, exchange.alloc());
    } catch (StatusRuntimeException e) {
      onLoop(
          () -> {
            if (!closed) {
              fail(e.getStatus());
            }
          });
      return;
    } finally {
      PassthroughMarshaller.release(message);
    }
    onLoop(
        () -> {
          if (closed) {
            framed.release();
          } else if (!responder.message(framed)) {
            fail(
                Status.INTERNAL.withDescription(
                    "the backend sent more than one response to a unary "
                        + format.label
                        + " call"));
          }
        });
  }

  /** Copies a message into a buffer behind its 5-byte prefix: the one copy on the way out. */
  private ByteBuf frame(InputStream message) {
    int size = PassthroughMarshaller.size(message);
    ByteBuf out = exchange.alloc().buffer(Deframer.HEADER_BYTES + size);
    try {
      out.writeByte(0).writeInt(size);
      out.writeBytes(message, size);
      return out;
    } catch (IOException e) {
      out.release();
      throw Status.INTERNAL
          .withDescription("gateway could not read a response message: " + e)
          .asRuntimeException();
    }
  }

  @Override
  public void close(Status status, Metadata trailers) {
    onLoop(
        () -> {
          if (!closed) {
            closed = true;
            releaseBuffers();
            writeClose(status, trailers);
          }
        });
  }

  private void writeClose(Status status, Metadata trailers) {
    responder.close(status, trailers);
  }

  /**
   * Ready while fewer than {@link #READY_THRESHOLD_BYTES} are handed to the event loop and not yet
   * written, and the stream (or HTTP/1.1 connection) is writable: the writability alone would not
   * see messages still in the event loop's queue.
   */
  @Override
  public boolean isReady() {
    return !closed && queuedBytes.get() < READY_THRESHOLD_BYTES && exchange.isWritable();
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public MethodDescriptor<InputStream, InputStream> getMethodDescriptor() {
    return method;
  }

  @Override
  public Attributes getAttributes() {
    return exchange.attributes();
  }

  @Override
  public String getAuthority() {
    return exchange.authority();
  }

  /**
   * Runs a task on the event loop, in the order tasks were given: at once if on the loop with
   * nothing queued, else through the call's queue, drained by one loop task (headers, message and
   * close of a unary response handed over together cost one wake-up, as grpc's own write queue).
   */
  private void onLoop(Runnable task) {
    if (loop.inEventLoop() && handOver.isEmpty()) {
      task.run();
      return;
    }
    handOver.add(task);
    if (drainScheduled.compareAndSet(false, true)) {
      loop.execute(drain);
    }
  }

  private void drainHandOver() {
    drainScheduled.set(false);
    exchange.beginBatch();
    try {
      Runnable task;
      while ((task = handOver.poll()) != null) {
        task.run();
      }
    } finally {
      exchange.endBatch();
    }
  }
}
