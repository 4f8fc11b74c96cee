package io.switchboard.msgpack.json;

import io.switchboard.msgpack.MessagePackSettings;

/**
 * Limits and choices of a {@link JsonTranscoder}. Immutable and thread-safe; made by {@link
 * #newBuilder()}, varied with {@link #toBuilder()}.
 *
 * <p>The limits bound what a hostile or broken peer can make the transcoder do, in both directions:
 * input over a limit is rejected with {@code INVALID_ARGUMENT} naming the limit, before anything
 * proportional to the offending size is allocated.
 */
public final class JsonSettings {
  /**
   * Default {@link #maxJsonBytes()}: 4 MiB, grpc-java's default maximum message size, so a JSON
   * body is bounded like the message it becomes.
   */
  public static final int DEFAULT_MAX_JSON_BYTES = 4 * 1024 * 1024;

  /**
   * Default {@link #maxDepth()}: 64, the marshaller's own default ({@link
   * MessagePackSettings#DEFAULT_MAX_DEPTH}), so whatever one accepts the other does too.
   */
  public static final int DEFAULT_MAX_DEPTH = MessagePackSettings.DEFAULT_MAX_DEPTH;

  /**
   * Default {@link #maxStringChars()}: 1 MiB of chars, far beyond a field a person fills in, and a
   * quarter of the default body.
   */
  public static final int DEFAULT_MAX_STRING_CHARS = 1024 * 1024;

  /**
   * Default {@link #maxMessageBytes()}: 4 MiB, grpc-java's default maximum message size ({@link
   * MessagePackSettings#DEFAULT_MAX_MESSAGE_BYTES}).
   */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = MessagePackSettings.DEFAULT_MAX_MESSAGE_BYTES;

  /**
   * Default {@link #maxCollectionSize()}: the marshaller's ({@link
   * MessagePackSettings#DEFAULT_MAX_COLLECTION_SIZE}, 1,048,576).
   */
  public static final int DEFAULT_MAX_COLLECTION_SIZE =
      MessagePackSettings.DEFAULT_MAX_COLLECTION_SIZE;

  private static final JsonSettings DEFAULTS = newBuilder().build();

  private final int maxJsonBytes;
  private final int maxDepth;
  private final int maxStringChars;
  private final int maxMessageBytes;
  private final int maxCollectionSize;
  private final boolean int64AsString;
  private final boolean ignoreUnknownFields;

  private JsonSettings(Builder b) {
    this.maxJsonBytes = b.maxJsonBytes;
    this.maxDepth = b.maxDepth;
    this.maxStringChars = b.maxStringChars;
    this.maxMessageBytes = b.maxMessageBytes;
    this.maxCollectionSize = b.maxCollectionSize;
    this.int64AsString = b.int64AsString;
    this.ignoreUnknownFields = b.ignoreUnknownFields;
  }

  /** Returns the settings with every default. */
  public static JsonSettings defaults() {
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

  /** The largest JSON document read, in bytes. */
  public int maxJsonBytes() {
    return maxJsonBytes;
  }

  /**
   * The deepest nesting of objects and arrays read or written (the top-level value is level 1),
   * skipped values included.
   */
  public int maxDepth() {
    return maxDepth;
  }

  /** The longest JSON string read (value or key), in chars. */
  public int maxStringChars() {
    return maxStringChars;
  }

  /** The largest MessagePack message read, in bytes. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** The most elements or entries a MessagePack array or map read may declare. */
  public int maxCollectionSize() {
    return maxCollectionSize;
  }

  /** The longest MessagePack str read, in bytes: the message limit. */
  int maxStringBytes() {
    return maxMessageBytes;
  }

  /** The longest MessagePack bin read, in bytes: the message limit. */
  int maxBinaryBytes() {
    return maxMessageBytes;
  }

  /**
   * Whether {@code int64} values beyond ±(2^53-1), which JavaScript numbers cannot hold exactly,
   * are written to JSON as decimal strings; false by default (written as numbers). Reading accepts
   * both forms either way.
   */
  public boolean int64AsString() {
    return int64AsString;
  }

  /**
   * Whether a JSON object key that the schema does not know is skipped (true) or rejected (false,
   * the default, so a misspelt field name is reported instead of silently lost).
   */
  public boolean ignoreUnknownFields() {
    return ignoreUnknownFields;
  }

  @Override
  public String toString() {
    return "JsonSettings{maxJsonBytes="
        + maxJsonBytes
        + ", maxDepth="
        + maxDepth
        + ", maxStringChars="
        + maxStringChars
        + ", maxMessageBytes="
        + maxMessageBytes
        + ", maxCollectionSize="
        + maxCollectionSize
        + ", int64AsString="
        + int64AsString
        + ", ignoreUnknownFields="
        + ignoreUnknownFields
        + "}";
  }

  /** Builds {@link JsonSettings}; each setter checks its argument at once. Not thread-safe. */
  public static final class Builder {
    private int maxJsonBytes = DEFAULT_MAX_JSON_BYTES;
    private int maxDepth = DEFAULT_MAX_DEPTH;
    private int maxStringChars = DEFAULT_MAX_STRING_CHARS;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private int maxCollectionSize = DEFAULT_MAX_COLLECTION_SIZE;
    private boolean int64AsString;
    private boolean ignoreUnknownFields;

    private Builder() {}

    private Builder(JsonSettings s) {
      this.maxJsonBytes = s.maxJsonBytes;
      this.maxDepth = s.maxDepth;
      this.maxStringChars = s.maxStringChars;
      this.maxMessageBytes = s.maxMessageBytes;
      this.maxCollectionSize = s.maxCollectionSize;
      this.int64AsString = s.int64AsString;
      this.ignoreUnknownFields = s.ignoreUnknownFields;
    }

    /**
     * Sets the largest JSON document read, in bytes.
     *
     * @throws IllegalArgumentException if not {@code > 0}
     */
    public Builder maxJsonBytes(int maxJsonBytes) {
      this.maxJsonBytes = checkRange("maxJsonBytes", maxJsonBytes, 1, Integer.MAX_VALUE);
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
     * Sets the longest JSON string read, in chars.
     *
     * @throws IllegalArgumentException if not {@code > 0}
     */
    public Builder maxStringChars(int maxStringChars) {
      this.maxStringChars = checkRange("maxStringChars", maxStringChars, 1, Integer.MAX_VALUE);
      return this;
    }

    /**
     * Sets the largest MessagePack message read, in bytes.
     *
     * @throws IllegalArgumentException if not {@code > 0}
     */
    public Builder maxMessageBytes(int maxMessageBytes) {
      this.maxMessageBytes = checkRange("maxMessageBytes", maxMessageBytes, 1, Integer.MAX_VALUE);
      return this;
    }

    /**
     * Sets the most elements or entries a MessagePack array or map read may declare.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxCollectionSize(int maxCollectionSize) {
      this.maxCollectionSize =
          checkRange("maxCollectionSize", maxCollectionSize, 0, Integer.MAX_VALUE);
      return this;
    }

    /** Sets whether int64 values beyond ±(2^53-1) are written to JSON as strings. */
    public Builder int64AsString(boolean int64AsString) {
      this.int64AsString = int64AsString;
      return this;
    }

    /** Sets whether unknown JSON object keys are skipped instead of rejected. */
    public Builder ignoreUnknownFields(boolean ignoreUnknownFields) {
      this.ignoreUnknownFields = ignoreUnknownFields;
      return this;
    }

    /** Returns the immutable settings. */
    public JsonSettings build() {
      return new JsonSettings(this);
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
