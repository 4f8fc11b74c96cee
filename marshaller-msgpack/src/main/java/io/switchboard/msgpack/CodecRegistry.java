package io.switchboard.msgpack;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Hand-written {@link MessagePackCodec}s by type, consulted before the built-in and reflective
 * codecs (so a registered codec also replaces a built-in one, e.g. for {@code Instant}). Matching
 * is by exact class. Immutable and thread-safe; pass it to {@link
 * MessagePackSettings.Builder#codecs(CodecRegistry)}.
 *
 * <pre>{@code
 * CodecRegistry codecs = CodecRegistry.newBuilder().register(Money.class, new MoneyCodec()).build();
 * }</pre>
 */
public final class CodecRegistry {
  private static final CodecRegistry EMPTY = new CodecRegistry(Map.of());

  private final Map<Class<?>, MessagePackCodec<?>> codecs;

  private CodecRegistry(Map<Class<?>, MessagePackCodec<?>> codecs) {
    this.codecs = codecs;
  }

  /** Returns the registry with no codecs: only built-in and reflective codecs apply. */
  public static CodecRegistry empty() {
    return EMPTY;
  }

  /** Returns a builder for a registry. */
  public static Builder newBuilder() {
    return new Builder(Map.of());
  }

  /** Returns a builder holding this registry's codecs, to add more. */
  public Builder toBuilder() {
    return new Builder(codecs);
  }

  /** Returns the codec registered for exactly this class, or null. */
  @SuppressWarnings("unchecked")
  <T> MessagePackCodec<T> find(Class<T> type) {
    return (MessagePackCodec<T>) codecs.get(type);
  }

  /** Returns the number of registered codecs. */
  public int size() {
    return codecs.size();
  }

  @Override
  public String toString() {
    return "CodecRegistry" + codecs.keySet();
  }

  /** Builds a {@link CodecRegistry}. Not thread-safe. */
  public static final class Builder {
    private final Map<Class<?>, MessagePackCodec<?>> codecs;

    private Builder(Map<Class<?>, MessagePackCodec<?>> codecs) {
      this.codecs = new LinkedHashMap<>(codecs);
    }

    /**
     * Registers the codec for exactly {@code type}.
     *
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code type} is primitive, or already has a codec
     */
    public <T> Builder register(Class<T> type, MessagePackCodec<T> codec) {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(codec, "codec");
      if (type.isPrimitive()) {
        throw new IllegalArgumentException(
            "type: " + type + " (expected: a reference type; register the boxed type)");
      }
      if (codecs.containsKey(type)) {
        throw new IllegalArgumentException(
            "type: " + type.getName() + " (expected: not registered yet)");
      }
      codecs.put(type, codec);
      return this;
    }

    /** Returns the immutable registry. */
    public CodecRegistry build() {
      return new CodecRegistry(Map.copyOf(codecs));
    }
  }
}
