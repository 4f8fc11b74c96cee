package io.switchboard.msgpack;

import java.io.IOException;
import org.msgpack.core.MessagePacker;

/**
 * A hand-written codec for one type, over msgpack-core: the fastest path, and the way to support a
 * type the reflective codecs do not know. Register it in a {@link CodecRegistry}; it then applies
 * wherever the type appears (top level, field, element, map key or value).
 *
 * <pre>{@code
 * final class MoneyCodec implements MessagePackCodec<Money> {
 *   public void encode(MessagePacker packer, Money m) throws IOException {
 *     packer.packArrayHeader(2).packLong(m.units()).packString(m.currency());
 *   }
 *   public Money decode(MessagePackReader reader) throws IOException {
 *     reader.readArrayHeader(2, 2);
 *     return new Money(reader.readLong(), reader.readString());
 *   }
 * }
 * }</pre>
 *
 * <p>Null is handled outside the codec: {@code null} is written as nil and nil decodes to {@code
 * null} without calling it. A codec must write exactly one MessagePack value and read exactly one.
 * Implementations must be thread-safe (usually stateless).
 *
 * <p><b>Failures.</b> An exception thrown by {@link #decode} becomes a {@code
 * StatusRuntimeException} with {@code INVALID_ARGUMENT} naming the type and the exception's
 * message; one thrown by {@link #encode} becomes {@code INTERNAL}. Read through the {@link
 * MessagePackReader}'s methods so that declared lengths are checked against the configured limits
 * and the bytes that remain; going to {@link MessagePackReader#unpacker()} directly bypasses those
 * checks.
 *
 * @param <T> the type this codec reads and writes
 */
public interface MessagePackCodec<T> {
  /**
   * Writes one MessagePack value for {@code value}.
   *
   * @param packer where to write; do not flush or close it
   * @param value the value, never null
   * @throws IOException passed on from the packer
   */
  void encode(MessagePacker packer, T value) throws IOException;

  /**
   * Reads one MessagePack value (never nil) and returns the value it encodes.
   *
   * @param reader the checked reader positioned at the value
   * @return the decoded value; null is allowed
   * @throws IOException passed on from the reader
   */
  T decode(MessagePackReader reader) throws IOException;
}
