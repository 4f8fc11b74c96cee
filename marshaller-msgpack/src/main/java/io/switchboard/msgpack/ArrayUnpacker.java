package io.switchboard.msgpack;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.MessageBuffer;
import org.msgpack.core.buffer.MessageBufferInput;

/**
 * A per-thread {@link MessageUnpacker} that is reset for each message decoded from an array,
 * instead of an unpacker, an input and their buffers made for each message. Released, it holds no
 * reference to the message's bytes. A decode inside a decode (a hand-written codec decoding with a
 * marshaller) gets a fresh one.
 */
final class ArrayUnpacker implements MessageBufferInput {
  private static final ThreadLocal<ArrayUnpacker> CURRENT =
      ThreadLocal.withInitial(ArrayUnpacker::new);

  private final MessageUnpacker unpacker;
  private MessageBuffer message; // until the unpacker takes it
  private boolean inUse;

  private ArrayUnpacker() {
    unpacker = MessagePackMarshaller.UNPACKER_CONFIG.newUnpacker(this);
  }

  /** Returns this thread's unpacker (or a fresh one if it is in use) reading {@code bytes}. */
  static ArrayUnpacker acquire(byte[] bytes) {
    ArrayUnpacker reader = CURRENT.get();
    if (reader.inUse) {
      reader = new ArrayUnpacker();
    }
    reader.inUse = true;
    reader.reset(MessageBuffer.wrap(bytes));
    return reader;
  }

  MessageUnpacker unpacker() {
    return unpacker;
  }

  /** Returns the unpacker to its thread, without the message. */
  void release() {
    reset(null);
    inUse = false;
  }

  /** Makes the unpacker read {@code message} from its start (nothing if null). */
  private void reset(MessageBuffer message) {
    this.message = message;
    try {
      unpacker.reset(this); // only sets its input and clears its position and buffer
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public MessageBuffer next() {
    MessageBuffer next = message;
    message = null;
    return next;
  }

  @Override
  public void close() {}
}
