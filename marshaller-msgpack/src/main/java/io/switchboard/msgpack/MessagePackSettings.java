package io.switchboard.msgpack;

import java.util.Objects;

/**
 * Limits and choices of a {@link MessagePackMarshaller}. Immutable and thread-safe; made by {@link
 * #newBuilder()}, varied with {@link #toBuilder()}.
 *
 * <p>The limits bound what a hostile or broken peer can make the decoder do: a message that exceeds
 * one is rejected with {@code INVALID_ARGUMENT} ({@code RESOURCE_EXHAUSTED} for {@link
 * #maxElementsPerMessage()}) before anything proportional to the offending size is allocated.
 */
public final class MessagePackSettings {
  /**
   * Default {@link #maxDepth()}: 64, deeper than any schema a person writes, far below the depth
   * where a thread's stack overflows.
   */
  public static final int DEFAULT_MAX_DEPTH = 64;

  /**
   * Default {@link #maxMessageBytes()}: 4 MiB, grpc-java's default maximum inbound message size, so
   * every message grpc lets through by default is accepted here too.
   */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  /**
   * Default {@link #maxCollectionSize()}: 1,048,576 elements, a quarter of what a default-size
   * message of one-byte elements could declare; bounds the work per collection.
   */
  public static final int DEFAULT_MAX_COLLECTION_SIZE = 1024 * 1024;

  /**
   * Default {@link #maxPooledBufferBytes()}: 64 KiB, well above typical RPC messages (tens to
   * hundreds of bytes) so they reuse the per-thread buffer, while a rare huge message gets a
   * one-off buffer instead of pinning its size on every thread.
   */
  public static final int DEFAULT_MAX_POOLED_BUFFER_BYTES = 64 * 1024;

  /**
   * Default {@link #maxElementsPerMessage()}: 2,097,152 (2^21) values. Per-collection limits alone
   * let a valid 4 MiB message of one-byte values decode into about 4 million objects (about 29
   * bytes of heap per wire byte); this halves that worst case, and is twice {@link
   * #DEFAULT_MAX_COLLECTION_SIZE} so that a message holding one collection of the largest size
   * still decodes.
   */
  public static final int DEFAULT_MAX_ELEMENTS_PER_MESSAGE = 2 * 1024 * 1024;

  private static final int UNSET = -1;
  private static final MessagePackSettings DEFAULTS = newBuilder().build();

  private final WireShape defaultShape;
  private final int maxDepth;
  private final int maxMessageBytes;
  private final int maxCollectionSize;
  private final int maxElementsPerMessage;
  private final int maxStringBytes;
  private final int maxBinaryBytes;
  private final int maxPooledBufferBytes;
  private final CodecRegistry codecs;

  private MessagePackSettings(Builder b) {
    this.defaultShape = b.defaultShape;
    this.maxDepth = b.maxDepth;
    this.maxMessageBytes = b.maxMessageBytes;
    this.maxCollectionSize = b.maxCollectionSize;
    this.maxElementsPerMessage = b.maxElementsPerMessage;
    this.maxStringBytes = b.maxStringBytes == UNSET ? b.maxMessageBytes : b.maxStringBytes;
    this.maxBinaryBytes = b.maxBinaryBytes == UNSET ? b.maxMessageBytes : b.maxBinaryBytes;
    this.maxPooledBufferBytes = b.maxPooledBufferBytes;
    this.codecs = b.codecs;
  }

  /** Returns the settings with every default. */
  public static MessagePackSettings defaults() {
    return DEFAULTS;
  }

  /** Returns a builder starting from the defaults. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Returns a builder starting from these settings. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The shape of types without {@link MessagePackShape}; {@link WireShape#ARRAY} by default. */
  public WireShape defaultShape() {
    return defaultShape;
  }

  /**
   * The deepest nesting of objects, collections, optionals and sealed-type pairs, counted from 1
   * for the top-level value, on reading and writing (writing deeper fails, which also catches
   * cyclic object graphs).
   */
  public int maxDepth() {
    return maxDepth;
  }

  /** The largest message {@code parse} accepts, in bytes. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** The most elements (or map entries) a decoded array, list, set or map may declare. */
  public int maxCollectionSize() {
    return maxCollectionSize;
  }

  /**
   * The budget of one message: the most values it may hold in all, counted as every element of
   * every array (records in the array shape included) and every key and value of every map, skipped
   * values included. A message beyond it is rejected with {@code RESOURCE_EXHAUSTED} as soon as a
   * header declares more, before those values are decoded: it bounds the objects (and heap) one
   * message can make the decoder build, which the per-collection limit does not.
   */
  public int maxElementsPerMessage() {
    return maxElementsPerMessage;
  }

  /**
   * The longest decoded string, in UTF-8 bytes; unless set, equal to {@link #maxMessageBytes()}
   * (the message limit already bounds it; set it lower to reject oversize text early).
   */
  public int maxStringBytes() {
    return maxStringBytes;
  }

  /**
   * The longest decoded binary value ({@code byte[]}), in bytes; unless set, equal to {@link
   * #maxMessageBytes()}.
   */
  public int maxBinaryBytes() {
    return maxBinaryBytes;
  }

  /** The largest encode buffer kept per thread between messages, in bytes. */
  public int maxPooledBufferBytes() {
    return maxPooledBufferBytes;
  }

  /** Hand-written codecs consulted before the built-in ones. */
  public CodecRegistry codecs() {
    return codecs;
  }

  @Override
  public String toString() {
    return "MessagePackSettings{defaultShape="
        + defaultShape
        + ", maxDepth="
        + maxDepth
        + ", maxMessageBytes="
        + maxMessageBytes
        + ", maxCollectionSize="
        + maxCollectionSize
        + ", maxElementsPerMessage="
        + maxElementsPerMessage
        + ", maxStringBytes="
        + maxStringBytes
        + ", maxBinaryBytes="
        + maxBinaryBytes
        + ", maxPooledBufferBytes="
        + maxPooledBufferBytes
        + ", codecs="
        + codecs
        + "}";
  }

  /** Builds {@link MessagePackSettings}; each setter checks its argument at once. */
  public static final class Builder {
    private WireShape defaultShape = WireShape.ARRAY;
    private int maxDepth = DEFAULT_MAX_DEPTH;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private int maxCollectionSize = DEFAULT_MAX_COLLECTION_SIZE;
    private int maxElementsPerMessage = DEFAULT_MAX_ELEMENTS_PER_MESSAGE;
    private int maxStringBytes = UNSET;
    private int maxBinaryBytes = UNSET;
    private int maxPooledBufferBytes = DEFAULT_MAX_POOLED_BUFFER_BYTES;
    private CodecRegistry codecs = CodecRegistry.empty();

    private Builder() {}

    private Builder(MessagePackSettings s) {
      this.defaultShape = s.defaultShape;
      this.maxDepth = s.maxDepth;
      this.maxMessageBytes = s.maxMessageBytes;
      this.maxCollectionSize = s.maxCollectionSize;
      this.maxElementsPerMessage = s.maxElementsPerMessage;
      // A limit equal to the message limit follows it, as when it was never set.
      this.maxStringBytes = s.maxStringBytes == s.maxMessageBytes ? UNSET : s.maxStringBytes;
      this.maxBinaryBytes = s.maxBinaryBytes == s.maxMessageBytes ? UNSET : s.maxBinaryBytes;
      this.maxPooledBufferBytes = s.maxPooledBufferBytes;
      this.codecs = s.codecs;
    }

    /**
     * Sets the shape of types that carry no {@link MessagePackShape}.
     *
     * @throws NullPointerException if the shape is null
     */
    public Builder defaultShape(WireShape shape) {
      this.defaultShape = Objects.requireNonNull(shape, "defaultShape");
      return this;
    }

    /**
     * Sets the deepest nesting read or written.
     *
     * @throws IllegalArgumentException if not within 1..1024
     */
    public Builder maxDepth(int maxDepth) {
      this.maxDepth = checkRange("maxDepth", maxDepth, 1, 1024);
      return this;
    }

    /**
     * Sets the largest message accepted by {@code parse}, in bytes.
     *
     * @throws IllegalArgumentException if not {@code > 0}
     */
    public Builder maxMessageBytes(int maxMessageBytes) {
      this.maxMessageBytes = checkRange("maxMessageBytes", maxMessageBytes, 1, Integer.MAX_VALUE);
      return this;
    }

    /**
     * Sets the most elements or entries a decoded collection may declare.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxCollectionSize(int maxCollectionSize) {
      this.maxCollectionSize =
          checkRange("maxCollectionSize", maxCollectionSize, 0, Integer.MAX_VALUE);
      return this;
    }

    /**
     * Sets the most values one message may hold in all (see {@link
     * MessagePackSettings#maxElementsPerMessage()}).
     *
     * @throws IllegalArgumentException if not {@code > 0}
     */
    public Builder maxElementsPerMessage(int maxElementsPerMessage) {
      this.maxElementsPerMessage =
          checkRange("maxElementsPerMessage", maxElementsPerMessage, 1, Integer.MAX_VALUE);
      return this;
    }

    /**
     * Sets the longest decoded string, in UTF-8 bytes.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxStringBytes(int maxStringBytes) {
      this.maxStringBytes = checkRange("maxStringBytes", maxStringBytes, 0, Integer.MAX_VALUE);
      return this;
    }

    /**
     * Sets the longest decoded binary value, in bytes.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxBinaryBytes(int maxBinaryBytes) {
      this.maxBinaryBytes = checkRange("maxBinaryBytes", maxBinaryBytes, 0, Integer.MAX_VALUE);
      return this;
    }

    /**
     * Sets the largest encode buffer kept per thread between messages.
     *
     * @throws IllegalArgumentException if not within 256..64 MiB
     */
    public Builder maxPooledBufferBytes(int maxPooledBufferBytes) {
      this.maxPooledBufferBytes =
          checkRange("maxPooledBufferBytes", maxPooledBufferBytes, 256, 64 * 1024 * 1024);
      return this;
    }

    /**
     * Sets the hand-written codecs consulted before the built-in ones.
     *
     * @throws NullPointerException if the registry is null
     */
    public Builder codecs(CodecRegistry codecs) {
      this.codecs = Objects.requireNonNull(codecs, "codecs");
      return this;
    }

    /**
     * Returns the immutable settings.
     *
     * @throws IllegalArgumentException if {@code maxStringBytes} or {@code maxBinaryBytes} exceeds
     *     {@code maxMessageBytes} (such a limit could never apply; the message limit is likely
     *     wrong)
     */
    public MessagePackSettings build() {
      if (maxStringBytes != UNSET && maxStringBytes > maxMessageBytes) {
        throw new IllegalArgumentException(
            "maxStringBytes: "
                + maxStringBytes
                + " (expected: <= maxMessageBytes "
                + maxMessageBytes
                + ")");
      }
      if (maxBinaryBytes != UNSET && maxBinaryBytes > maxMessageBytes) {
        throw new IllegalArgumentException(
            "maxBinaryBytes: "
                + maxBinaryBytes
                + " (expected: <= maxMessageBytes "
                + maxMessageBytes
                + ")");
      }
      return new MessagePackSettings(this);
    }

    private static int checkRange(String name, int value, int min, int max) {
      if (value < min || value > max) {
        String expected =
            max == Integer.MAX_VALUE ? (min == 0 ? ">= 0" : "> " + (min - 1)) : min + ".." + max;
        throw new IllegalArgumentException(name + ": " + value + " (expected: " + expected + ")");
      }
      return value;
    }
  }
}
