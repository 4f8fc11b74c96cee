package io.switchboard.msgpack.schema;

import java.util.Locale;

/**
 * The single-value types of the wire format, each with the MessagePack value written for it (see
 * {@code WIRE-FORMAT.md}) and its canonical JSON form.
 */
public enum ScalarKind {
  /** {@code boolean}/{@code Boolean}: true/false. JSON: true/false. */
  BOOL,
  /** {@code byte}/{@code Byte}: int from -128 to 127. JSON: number. */
  INT8,
  /** {@code short}/{@code Short}: int from -32768 to 32767. JSON: number. */
  INT16,
  /** {@code int}/{@code Integer}: int from -2^31 to 2^31-1. JSON: number. */
  INT32,
  /**
   * {@code long}/{@code Long}: int from -2^63 to 2^63-1. JSON: number, or a decimal string (always
   * accepted on reading; written when the transcoder is asked to, as JavaScript loses precision
   * beyond 2^53).
   */
  INT64,
  /**
   * {@code char}/{@code Character}: int, the UTF-16 code unit 0..65535. JSON: a one-char string.
   */
  CHAR,
  /** {@code float}/{@code Float}: float32. JSON: number, or "NaN", "Infinity", "-Infinity". */
  FLOAT32,
  /** {@code double}/{@code Double}: float64. JSON: number, or "NaN", "Infinity", "-Infinity". */
  FLOAT64,
  /** {@code String}: str. JSON: string. */
  STRING,
  /** {@code byte[]}: bin. JSON: base64 string (RFC 4648, with padding). */
  BINARY,
  /** {@code Instant}: the timestamp extension type -1. JSON: RFC 3339 string in UTC. */
  TIMESTAMP,
  /** {@code Duration}: array [seconds, nanos]. JSON: decimal seconds with an "s", e.g. "1.5s". */
  DURATION,
  /** {@code UUID}: bin 16. JSON: the canonical 36-char string. */
  UUID,
  /** {@code BigDecimal}: str of its decimal text. JSON: the same string. */
  DECIMAL,
  /** {@code BigInteger}: str of its decimal digits. JSON: the same string. */
  BIG_INTEGER;

  /** Returns the name used on the wire and in JSON: lower case, e.g. {@code "int64"}. */
  public String wireName() {
    return this == BIG_INTEGER ? "bigint" : name().toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the kind of a {@link #wireName()}.
   *
   * @throws IllegalArgumentException if the name is no kind's
   */
  public static ScalarKind ofWireName(String name) {
    for (ScalarKind k : values()) {
      if (k.wireName().equals(name)) {
        return k;
      }
    }
    throw new IllegalArgumentException("scalar kind: \"" + name + "\" (expected: one of int64...)");
  }
}
