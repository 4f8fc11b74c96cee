package io.switchboard.msgpack;

import io.grpc.HasByteBuffer;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.msgpack.schema.Schema;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.MessageBuffer;
import org.msgpack.core.buffer.MessageBufferInput;

/**
 * A grpc {@link MethodDescriptor.Marshaller} that writes and reads a Java type as MessagePack:
 * records, POJOs, enums, sealed interfaces, collections, optionals, arrays and the common value
 * types, in the layout described in {@code WIRE-FORMAT.md}, so peers in any language with a
 * MessagePack library can talk to it.
 *
 * <pre>{@code
 * record User(long id, String name, String email, int age, boolean active) {}
 *
 * static final MethodSpec<GetUserRequest, User> GET_USER = USERS.unary("GetUser",
 *     MessagePackMarshaller.of(GetUserRequest.class), MessagePackMarshaller.of(User.class));
 * }</pre>
 *
 * <p>It works with core's {@code ServiceSpec} and with any plain grpc-java {@link
 * MethodDescriptor}. Making a marshaller reflects over the type once and builds its codec; reading
 * and writing reuse it. Make marshallers once (e.g. as constants) and share them: instances are
 * immutable and thread-safe.
 *
 * <p><b>Failures.</b> {@link #parse} throws {@link StatusRuntimeException} with {@link
 * Status.Code#INVALID_ARGUMENT} for any message that is not a valid encoding of the type or exceeds
 * a {@linkplain MessagePackSettings limit} ({@link Status.Code#RESOURCE_EXHAUSTED} for a message
 * over its {@linkplain MessagePackSettings#maxElementsPerMessage() budget of values}); the
 * description names the type, the field, its path and the problem, e.g. {@code "cannot decode
 * com.example.Users$User: field User.name at name: wrong type: expected a string (str), got an
 * integer (format byte 0x05)"} (the top-level type by its {@linkplain Class#getTypeName() type
 * name}), cut to {@link io.switchboard.core.ErrorMapper#MAX_DESCRIPTION_LENGTH} characters. On a
 * server, grpc closes that call with the status and keeps serving others; on a client, grpc cancels
 * the call with {@code CANCELLED} and this status as cause. {@link #stream} throws {@link
 * StatusRuntimeException} with {@link Status.Code#INTERNAL} when a value cannot be encoded (nesting
 * beyond {@link MessagePackSettings#maxDepth()}, such as a cycle; an accessor or a registered codec
 * that throws).
 *
 * @param <T> the message type
 */
public final class MessagePackMarshaller<T> implements MethodDescriptor.Marshaller<T> {
  /** Strings and binaries are told apart, as WIRE-FORMAT.md says. */
  static final MessagePack.UnpackerConfig UNPACKER_CONFIG =
      new MessagePack.UnpackerConfig()
          .withAllowReadingBinaryAsString(false)
          .withAllowReadingStringAsBinary(false);

  /**
   * Whether msgpack-core can read direct (off-heap) buffers in place: it needs {@code sun.nio.ch},
   * which Java 17 exports only with {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED}. Without
   * it, a message in direct buffers is copied once into an array.
   */
  static final boolean DIRECT_BUFFERS_IN_PLACE = canWrapDirectBuffers();

  private final Type type;
  private final String typeName;
  private final Codec<T> codec;
  private final MessagePackSettings settings;
  private volatile Schema schema; // made on first use: most marshallers are never described

  private MessagePackMarshaller(Type type, Codec<T> codec, MessagePackSettings settings) {
    this.type = type;
    this.typeName = type.getTypeName();
    this.codec = codec;
    this.settings = settings;
  }

  /**
   * Returns a marshaller of {@code type} with the {@linkplain MessagePackSettings#defaults()
   * default settings} (array shape).
   *
   * @throws NullPointerException if the type is null
   * @throws IllegalArgumentException if the type, or a type it reaches, cannot be marshalled (the
   *     message names it and the field that has it)
   */
  public static <T> MessagePackMarshaller<T> of(Class<T> type) {
    return of(type, MessagePackSettings.defaults());
  }

  /**
   * Returns a marshaller of {@code type} with the given settings.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the type, or a type it reaches, cannot be marshalled
   */
  public static <T> MessagePackMarshaller<T> of(Class<T> type, MessagePackSettings settings) {
    Objects.requireNonNull(type, "type");
    return create(type, settings);
  }

  /**
   * Returns a marshaller of a generic type, e.g. {@code of(new TypeToken<Page<User>>() {})}, with
   * the default settings.
   *
   * @throws NullPointerException if the token is null
   * @throws IllegalArgumentException if the type, or a type it reaches, cannot be marshalled
   */
  public static <T> MessagePackMarshaller<T> of(TypeToken<T> type) {
    return of(type, MessagePackSettings.defaults());
  }

  /**
   * Returns a marshaller of a generic type with the given settings.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the type, or a type it reaches, cannot be marshalled
   */
  public static <T> MessagePackMarshaller<T> of(TypeToken<T> type, MessagePackSettings settings) {
    Objects.requireNonNull(type, "type");
    return create(type.type(), settings);
  }

  private static <T> MessagePackMarshaller<T> create(Type type, MessagePackSettings settings) {
    Objects.requireNonNull(settings, "settings");
    Type resolved = TypeResolver.of(type).resolve(type);
    @SuppressWarnings("unchecked")
    Codec<T> codec = (Codec<T>) new CodecFactory(settings).codecFor(resolved, "top level");
    return new MessagePackMarshaller<>(resolved, codec, settings);
  }

  /** Returns the type this marshaller reads and writes. */
  public Type type() {
    return type;
  }

  /**
   * Returns the schema of the messages this marshaller writes and reads: their shape, fields,
   * types, enum constants and union variants, described from the same codecs that write the bytes.
   * The reflection service publishes it; the JSON mapping reads and writes messages by it.
   */
  public Schema schema() {
    Schema s = schema;
    if (s == null) {
      s = SchemaCollector.schemaOf(codec);
      schema = s;
    }
    return s;
  }

  /** Returns the settings this marshaller was made with. */
  public MessagePackSettings settings() {
    return settings;
  }

  /**
   * Encodes a value to a new array of exactly its MessagePack bytes.
   *
   * @throws NullPointerException if the value is null
   * @throws StatusRuntimeException with {@code INTERNAL} if the value cannot be encoded
   */
  public byte[] encode(T value) {
    Objects.requireNonNull(value, "value");
    EncodeBuffer buffer = EncodeBuffer.acquire();
    boolean failed = true;
    try {
      codec.write(buffer.packer(), value, settings.maxDepth());
      byte[] bytes = buffer.toByteArray();
      failed = false;
      return bytes;
    } catch (IOException | RuntimeException e) {
      throw CodecException.of(e).toStatus(Status.INTERNAL, "cannot encode", typeName);
    } finally {
      buffer.release(failed, settings.maxPooledBufferBytes());
    }
  }

  /**
   * Decodes one value from exactly these bytes.
   *
   * @throws NullPointerException if the array is null
   * @throws StatusRuntimeException with {@code INVALID_ARGUMENT} if the bytes are not one valid
   *     encoding of the type within the limits, {@code RESOURCE_EXHAUSTED} if they hold more values
   *     than {@link MessagePackSettings#maxElementsPerMessage()}
   */
  public T decode(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    checkSize(bytes.length);
    ArrayUnpacker unpacker = ArrayUnpacker.acquire(bytes);
    try {
      return decode(unpacker.unpacker(), bytes.length);
    } finally {
      unpacker.release();
    }
  }

  /**
   * Returns the message as a stream that is {@link KnownLength} (exact length) and {@link
   * io.grpc.Drainable}.
   *
   * @throws NullPointerException if the value is null
   * @throws StatusRuntimeException with {@code INTERNAL} if the value cannot be encoded
   */
  @Override
  public InputStream stream(T value) {
    return new MessageStream(encode(value));
  }

  /**
   * Reads one message. A stream that offers its bytes as {@link ByteBuffer}s ({@link
   * HasByteBuffer}, as grpc's Netty transport does) is read in place; other streams (a compressed
   * message, for one) are read into an array of at most {@code maxMessageBytes}.
   *
   * @throws StatusRuntimeException with {@code INVALID_ARGUMENT} if the bytes are not one valid
   *     encoding of the type within the limits, {@code RESOURCE_EXHAUSTED} if they hold more values
   *     than {@link MessagePackSettings#maxElementsPerMessage()}, or {@code INTERNAL} if the stream
   *     fails to read
   */
  @Override
  public T parse(InputStream stream) {
    Objects.requireNonNull(stream, "stream");
    try {
      if (stream instanceof MessageStream ours) {
        byte[] bytes = ours.unreadBytes();
        if (bytes != null) {
          ours.skip(bytes.length);
          return decode(bytes);
        }
      }
      if (stream instanceof KnownLength) {
        int size = stream.available();
        checkSize(size);
        if (stream instanceof HasByteBuffer buffers
            && buffers.byteBufferSupported()
            && stream.markSupported()) {
          return decodeInPlace(stream, buffers, size);
        }
        return decode(readFully(stream, size));
      }
      byte[] bytes = stream.readNBytes(settings.maxMessageBytes() + 1);
      if (bytes.length > settings.maxMessageBytes()) {
        throw tooLarge("more than " + settings.maxMessageBytes());
      }
      return decode(bytes);
    } catch (IOException e) {
      throw Status.INTERNAL
          .withDescription("cannot read a " + typeName + " message: " + e)
          .withCause(e)
          .asRuntimeException();
    }
  }

  private T decodeInPlace(InputStream stream, HasByteBuffer source, int size) throws IOException {
    stream.mark(size);
    List<ByteBuffer> buffers = new ArrayList<>(2);
    while (stream.available() != 0) {
      ByteBuffer buffer = source.getByteBuffer();
      if (buffer == null) {
        break;
      }
      int n = buffer.remaining();
      if (buffer.isDirect() ? !DIRECT_BUFFERS_IN_PLACE : !buffer.hasArray()) {
        break; // msgpack-core cannot read this buffer in place
      }
      stream.skip(n);
      if (n > 0) {
        buffers.add(buffer);
      }
    }
    if (stream.available() != 0) {
      // A stream that stopped offering usable buffers: read it the ordinary way.
      stream.reset();
      return decode(readFully(stream, size));
    }
    MessageUnpacker unpacker =
        buffers.size() == 1
            ? UNPACKER_CONFIG.newUnpacker(buffers.get(0))
            : UNPACKER_CONFIG.newUnpacker(new BufferListInput(buffers));
    return decode(unpacker, size);
  }

  private T decode(MessageUnpacker unpacker, long size) {
    try {
      MessagePackReader reader = new MessagePackReader(unpacker, size, settings);
      T value;
      if (reader.tryReadNil()) {
        value = codec.nilValue();
        if (value == null) {
          throw new CodecException("the message is nil (expected: a " + typeName + ")");
        }
      } else {
        value = codec.read(reader);
        if (value == null) {
          // E.g. an unknown enum index, which reads as null inside a record.
          throw new CodecException("the message is null (expected: a " + typeName + ")");
        }
      }
      long extra = reader.remainingBytes();
      if (extra != 0) {
        throw new CodecException(extra + " extra bytes after the value");
      }
      return value;
    } catch (IOException | RuntimeException e) {
      CodecException failure = CodecException.of(e);
      throw failure.toStatus(
          failure.isOverBudget() ? Status.RESOURCE_EXHAUSTED : Status.INVALID_ARGUMENT,
          "cannot decode",
          typeName);
    }
  }

  private void checkSize(int size) {
    if (size > settings.maxMessageBytes()) {
      throw tooLarge(String.valueOf(size));
    }
  }

  private StatusRuntimeException tooLarge(String size) {
    return Status.INVALID_ARGUMENT
        .withDescription(
            "cannot decode "
                + typeName
                + ": message of "
                + size
                + " bytes exceeds maxMessageBytes "
                + settings.maxMessageBytes())
        .asRuntimeException();
  }

  private static byte[] readFully(InputStream stream, int size) throws IOException {
    byte[] bytes = new byte[size];
    int n = stream.readNBytes(bytes, 0, size);
    if (n != size) {
      throw new IOException("stream ended after " + n + " of its " + size + " bytes");
    }
    return bytes;
  }

  private static boolean canWrapDirectBuffers() {
    try {
      MessageBuffer.wrap(ByteBuffer.allocateDirect(1));
      return true;
    } catch (LinkageError | RuntimeException e) { // IllegalAccessError without the export
      return false;
    }
  }

  @Override
  public String toString() {
    return "MessagePackMarshaller{" + typeName + "}";
  }

  /** The buffers of one message, in order, as msgpack-core input: no copy. */
  private static final class BufferListInput implements MessageBufferInput {
    private final List<ByteBuffer> buffers;
    private int next;

    BufferListInput(List<ByteBuffer> buffers) {
      this.buffers = buffers;
    }

    @Override
    public MessageBuffer next() {
      return next < buffers.size() ? MessageBuffer.wrap(buffers.get(next++)) : null;
    }

    @Override
    public void close() {}
  }
}
