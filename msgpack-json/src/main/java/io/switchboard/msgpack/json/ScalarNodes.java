package io.switchboard.msgpack.json;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.switchboard.msgpack.schema.ScalarKind;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;

/** The nodes of single values, by {@link ScalarKind}. */
final class ScalarNodes {
  /**
   * Longest decimal or big integer text accepted: parsing digits is quadratic, so 1,000 chars, the
   * marshaller's own bound, keeps it cheap.
   */
  static final int MAX_NUMBER_CHARS = 1000;

  /** JavaScript's largest exact integer, 2^53-1. */
  private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

  private ScalarNodes() {}

  /** Returns the node of a scalar kind. */
  static Node of(ScalarKind kind, JsonSettings settings) {
    return switch (kind) {
      case BOOL -> new BoolNode();
      case INT8 -> new IntNode(kind, Byte.MIN_VALUE, Byte.MAX_VALUE, false);
      case INT16 -> new IntNode(kind, Short.MIN_VALUE, Short.MAX_VALUE, false);
      case INT32 -> new IntNode(kind, Integer.MIN_VALUE, Integer.MAX_VALUE, false);
      case INT64 -> new IntNode(kind, Long.MIN_VALUE, Long.MAX_VALUE, settings.int64AsString());
      case CHAR -> new CharNode();
      case FLOAT32 -> new FloatNode(true);
      case FLOAT64 -> new FloatNode(false);
      case STRING -> new StringNode();
      case BINARY -> new BinaryNode();
      case TIMESTAMP -> new TimestampNode();
      case DURATION -> new DurationNode();
      case UUID -> new UuidNode();
      case DECIMAL -> new DecimalNode(false);
      case BIG_INTEGER -> new DecimalNode(true);
    };
  }

  /**
   * Reads a JSON integer: a number without fraction, a number with a fraction or exponent that is a
   * whole number (as JavaScript writes large integers), or a decimal string.
   */
  static long jsonLong(JsonParser p, Node node) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw new TranscodeException(
            "integer " + p.getText() + " out of range of " + node.describe());
      }
      return p.getLongValue();
    }
    if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      BigDecimal d = p.getDecimalValue();
      if (d.signum() != 0 && d.precision() - d.scale() > 19) {
        throw new TranscodeException(
            "number " + p.getText() + " out of range of " + node.describe());
      }
      try {
        return d.longValueExact();
      } catch (ArithmeticException e) {
        throw new TranscodeException(
            "number " + p.getText() + " is not a whole number within " + node.describe());
      }
    }
    if (t == JsonToken.VALUE_STRING) {
      String text = p.getText();
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new TranscodeException("\"" + cut(text) + "\" is not " + node.describe());
      }
    }
    throw node.unexpected(p);
  }

  /**
   * Reads a MessagePack integer, or a float that is exactly a whole number (as JavaScript encoders
   * write large integers).
   */
  static long wholeLong(MsgpackIn in, Node node) {
    if (in.peekKind() == MsgpackIn.Kind.FLOAT) {
      double d = in.readFloat();
      if (d != Math.rint(d) || d < -0x1p63 || d >= 0x1p63) {
        throw new TranscodeException(
            "float " + d + " is not a whole number within " + node.describe());
      }
      return (long) d;
    }
    if (in.peekKind() != MsgpackIn.Kind.INTEGER) {
      throw in.wrongType(node.describe());
    }
    return in.readLong();
  }

  static String cut(String text) {
    return text.length() > 64 ? text.substring(0, 64) + "..." : text;
  }

  static final class BoolNode extends Node {
    @Override
    String describe() {
      return "a boolean";
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
        out.writeBoolean(t == JsonToken.VALUE_TRUE);
      } else {
        throw unexpected(p);
      }
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      if (in.peekKind() != MsgpackIn.Kind.BOOLEAN) {
        throw in.wrongType(describe());
      }
      g.writeBoolean(in.readBoolean());
    }

    @Override
    void writeAbsent(JsonGenerator g, boolean nullable) throws IOException {
      if (nullable) {
        g.writeNull();
      } else {
        g.writeBoolean(false);
      }
    }

    @Override
    void keyFromJson(String key, OutputBytes out) {
      if (key.equals("true") || key.equals("false")) {
        out.writeBoolean(key.equals("true"));
      } else {
        throw new TranscodeException("key \"" + cut(key) + "\" is not a boolean");
      }
    }

    @Override
    String keyToJson(MsgpackIn in) {
      return String.valueOf(in.readBoolean());
    }
  }

  /** int8, int16, int32, int64: a number, range-checked both ways. */
  static final class IntNode extends Node {
    private final String words;
    private final long min;
    private final long max;
    private final boolean bigAsString;

    IntNode(ScalarKind kind, long min, long max, boolean bigAsString) {
      this.words = "an " + kind.wireName();
      this.min = min;
      this.max = max;
      this.bigAsString = bigAsString;
    }

    @Override
    String describe() {
      return words;
    }

    private long check(long v) {
      if (v < min || v > max) {
        throw new TranscodeException("integer " + v + " out of range of " + words);
      }
      return v;
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      out.writeLong(check(jsonLong(p, this)));
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      long v = check(wholeLong(in, this));
      if (bigAsString && (v > MAX_SAFE_INTEGER || v < -MAX_SAFE_INTEGER)) {
        g.writeString(Long.toString(v));
      } else {
        g.writeNumber(v);
      }
    }

    @Override
    void writeAbsent(JsonGenerator g, boolean nullable) throws IOException {
      if (nullable) {
        g.writeNull();
      } else {
        g.writeNumber(0);
      }
    }

    @Override
    void keyFromJson(String key, OutputBytes out) {
      try {
        out.writeLong(check(Long.parseLong(key)));
      } catch (NumberFormatException e) {
        throw new TranscodeException("key \"" + cut(key) + "\" is not " + words);
      }
    }

    @Override
    String keyToJson(MsgpackIn in) {
      return Long.toString(check(wholeLong(in, this)));
    }
  }

  /** A UTF-16 code unit: a one-char JSON string (a number 0..65535 is accepted too). */
  static final class CharNode extends Node {
    @Override
    String describe() {
      return "a char";
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        String s = p.getText();
        if (s.length() != 1) {
          throw new TranscodeException(
              "a string of " + s.length() + " chars (expected: a char, one UTF-16 unit)");
        }
        out.writeLong(s.charAt(0));
        return;
      }
      out.writeLong(check(jsonLong(p, this)));
    }

    private static long check(long v) {
      if (v < 0 || v > Character.MAX_VALUE) {
        throw new TranscodeException("integer " + v + " out of range of a char (0..65535)");
      }
      return v;
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      g.writeString(String.valueOf((char) check(wholeLong(in, this))));
    }

    @Override
    void writeAbsent(JsonGenerator g, boolean nullable) throws IOException {
      if (nullable) {
        g.writeNull();
      } else {
        g.writeString("\u0000");
      }
    }

    @Override
    void keyFromJson(String key, OutputBytes out) {
      if (key.length() != 1) {
        throw new TranscodeException("key \"" + cut(key) + "\" is not one char");
      }
      out.writeLong(key.charAt(0));
    }

    @Override
    String keyToJson(MsgpackIn in) {
      return String.valueOf((char) check(wholeLong(in, this)));
    }
  }

  /** float32 or float64: a number, or "NaN", "Infinity", "-Infinity". */
  static final class FloatNode extends Node {
    private final boolean float32;

    FloatNode(boolean float32) {
      this.float32 = float32;
    }

    @Override
    String describe() {
      return float32 ? "a float32" : "a float64";
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      JsonToken t = p.currentToken();
      double d;
      if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
        d = p.getDoubleValue();
      } else if (t == JsonToken.VALUE_STRING) {
        String s = p.getText();
        d =
            switch (s) {
              case "NaN" -> Double.NaN;
              case "Infinity" -> Double.POSITIVE_INFINITY;
              case "-Infinity" -> Double.NEGATIVE_INFINITY;
              default ->
                  throw new TranscodeException(
                      "\""
                          + cut(s)
                          + "\" is not "
                          + describe()
                          + " (numbers, \"NaN\", \"Infinity\", \"-Infinity\")");
            };
      } else {
        throw unexpected(p);
      }
      if (float32) {
        out.writeFloat((float) d);
      } else {
        out.writeDouble(d);
      }
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      MsgpackIn.Kind k = in.peekKind();
      if (k == MsgpackIn.Kind.INTEGER) {
        // As the Java reader does: JavaScript writes integral numbers as integers.
        long v = in.readLong();
        if (float32) {
          g.writeNumber((float) v);
        } else {
          g.writeNumber((double) v);
        }
        return;
      }
      if (k != MsgpackIn.Kind.FLOAT) {
        throw in.wrongType(describe());
      }
      double d = in.readFloat();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        g.writeString(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
      } else if (float32) {
        g.writeNumber((float) d);
      } else {
        g.writeNumber(d);
      }
    }

    @Override
    void writeAbsent(JsonGenerator g, boolean nullable) throws IOException {
      if (nullable) {
        g.writeNull();
      } else if (float32) {
        g.writeNumber(0f);
      } else {
        g.writeNumber(0d);
      }
    }
  }

  /** A str. */
  static final class StringNode extends Node {
    @Override
    String describe() {
      return "a string";
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        throw unexpected(p);
      }
      reading.checkString(p.getTextLength());
      out.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      writeUtf8(in, g, in.readStrHeader());
    }

    @Override
    void keyFromJson(String key, OutputBytes out) {
      out.writeString(key);
    }

    @Override
    String keyToJson(MsgpackIn in) {
      return in.readString();
    }
  }

  /**
   * Writes {@code n} bytes of UTF-8 text at the reader's position as a JSON string: ASCII straight
   * from the bytes, other text decoded (malformed UTF-8 as U+FFFD, as the Java reader reads it).
   */
  static void writeUtf8(MsgpackIn in, JsonGenerator g, int n) throws IOException {
    byte[] b = in.b;
    int start = in.pos;
    int end = start + n;
    boolean ascii = true;
    for (int i = start; i < end; i++) {
      if (b[i] < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      g.writeUTF8String(b, start, n);
    } else {
      g.writeString(new String(b, start, n, StandardCharsets.UTF_8));
    }
    in.pos = end;
  }

  /** A bin: base64 in JSON (standard alphabet with padding; reading also takes URL-safe). */
  static final class BinaryNode extends Node {
    @Override
    String describe() {
      return "bytes (base64)";
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        throw unexpected(p);
      }
      reading.checkString(p.getTextLength());
      out.writeBinary(base64(p.getText()));
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      int n = in.readBinHeader();
      g.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, in.b, in.pos, n);
      in.pos += n;
    }
  }

  /** Decodes base64, standard or URL-safe, padded or not. */
  static byte[] base64(String text) {
    try {
      return text.indexOf('-') >= 0 || text.indexOf('_') >= 0
          ? Base64.getUrlDecoder().decode(text)
          : Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new TranscodeException("\"" + cut(text) + "\" is not base64: " + e.getMessage());
    }
  }

  /** The timestamp extension: an RFC 3339 string in UTC ({@code Instant.toString()}). */
  static final class TimestampNode extends Node {
    @Override
    String describe() {
      return "a timestamp (RFC 3339)";
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        throw unexpected(p);
      }
      String text = p.getText();
      Instant t;
      try {
        t = Instant.parse(text);
      } catch (DateTimeParseException e) {
        throw new TranscodeException(
            "\"" + cut(text) + "\" is not an RFC 3339 timestamp, e.g. \"2024-05-01T12:00:00Z\"");
      }
      out.writeTimestamp(t.getEpochSecond(), t.getNano());
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      in.readTimestamp();
      try {
        g.writeString(Instant.ofEpochSecond(in.seconds, in.nanos).toString());
      } catch (DateTimeException e) {
        throw new TranscodeException("timestamp of " + in.seconds + " seconds out of range");
      }
    }
  }

  /**
   * A duration: {@code [seconds, nanos]} on the wire; in JSON, decimal seconds with the suffix
   * {@code s} and 0, 3, 6 or 9 fraction digits, e.g. {@code "1.5s"}, {@code "-0.000000001s"}.
   */
  static final class DurationNode extends Node {
    @Override
    String describe() {
      return "a duration (e.g. \"1.5s\")";
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        throw unexpected(p);
      }
      String text = p.getText();
      long seconds;
      int nanos;
      try {
        if (!text.endsWith("s") || text.length() < 2 || text.length() > 32) {
          throw new NumberFormatException();
        }
        String number = text.substring(0, text.length() - 1);
        boolean negative = number.startsWith("-");
        String digits = negative ? number.substring(1) : number;
        int dot = digits.indexOf('.');
        String whole = dot < 0 ? digits : digits.substring(0, dot);
        String fraction = dot < 0 ? "" : digits.substring(dot + 1);
        if (whole.isEmpty()
            || !allDigits(whole)
            || !allDigits(fraction)
            || fraction.length() > 9
            || (dot >= 0 && fraction.isEmpty())) {
          throw new NumberFormatException();
        }
        long s = Long.parseLong(whole);
        int n = fraction.isEmpty() ? 0 : Integer.parseInt((fraction + "000000000").substring(0, 9));
        if (negative && n > 0) {
          seconds = -s - 1;
          nanos = 1_000_000_000 - n;
        } else {
          seconds = negative ? -s : s;
          nanos = n;
        }
      } catch (NumberFormatException e) {
        throw new TranscodeException(
            "\""
                + cut(text)
                + "\" is not a duration (decimal seconds with an \"s\", e.g. \"1.5s\")");
      }
      out.writeArrayHeader(2);
      out.writeLong(seconds);
      out.writeLong(nanos);
    }

    private static boolean allDigits(String s) {
      for (int i = 0; i < s.length(); i++) {
        if (s.charAt(i) < '0' || s.charAt(i) > '9') {
          return false;
        }
      }
      return true;
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      int n = in.readArrayHeader();
      if (n != 2) {
        throw new TranscodeException(
            "a duration of " + n + " elements (expected: [seconds, nanos])");
      }
      long seconds = wholeLong(in, this);
      long nanos = wholeLong(in, this);
      if (nanos < 0 || nanos > 999_999_999) {
        throw new TranscodeException("duration nanos " + nanos + " out of range 0..999999999");
      }
      g.writeString(format(seconds, (int) nanos));
    }

    static String format(long seconds, int nanos) {
      StringBuilder s = new StringBuilder(24);
      if (seconds < 0 && nanos > 0) {
        s.append('-').append(Long.toUnsignedString(-(seconds + 1)));
        nanos = 1_000_000_000 - nanos;
      } else {
        s.append(seconds);
      }
      if (nanos != 0) {
        String digits = Integer.toString(1_000_000_000 + nanos).substring(1);
        int keep = nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
        s.append('.').append(digits, 0, keep);
      }
      return s.append('s').toString();
    }
  }

  /** bin 16 on the wire; the canonical 36-char string in JSON. */
  static final class UuidNode extends Node {
    @Override
    String describe() {
      return "a UUID";
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        throw unexpected(p);
      }
      writeUuid(p.getText(), out);
    }

    private static void writeUuid(String text, OutputBytes out) {
      if (text.length() != 36) {
        throw notUuid(text);
      }
      byte[] bytes = new byte[16];
      int j = 0;
      for (int i = 0; i < 36; ) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
          if (text.charAt(i) != '-') {
            throw notUuid(text);
          }
          i++;
          continue;
        }
        int hi = Character.digit(text.charAt(i), 16);
        int lo = Character.digit(text.charAt(i + 1), 16);
        if (hi < 0 || lo < 0) {
          throw notUuid(text);
        }
        bytes[j++] = (byte) (hi << 4 | lo);
        i += 2;
      }
      out.writeBinary(bytes);
    }

    private static TranscodeException notUuid(String text) {
      return new TranscodeException(
          "\"" + cut(text) + "\" is not a UUID (expected: 8-4-4-4-12 hex digits)");
    }

    private static String readUuid(MsgpackIn in) {
      int n = in.readBinHeader();
      if (n != 16) {
        throw new TranscodeException("a UUID of " + n + " bytes (expected: bin 16)");
      }
      long msb = 0;
      long lsb = 0;
      for (int i = 0; i < 8; i++) {
        msb = msb << 8 | (in.b[in.pos + i] & 0xff);
        lsb = lsb << 8 | (in.b[in.pos + 8 + i] & 0xff);
      }
      in.pos += 16;
      return new java.util.UUID(msb, lsb).toString();
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      g.writeString(readUuid(in));
    }

    @Override
    void keyFromJson(String key, OutputBytes out) {
      writeUuid(key, out);
    }

    @Override
    String keyToJson(MsgpackIn in) {
      return readUuid(in);
    }
  }

  /** A decimal or big integer: its decimal text as a str, and as a JSON string. */
  static final class DecimalNode extends Node {
    private final boolean integer;

    DecimalNode(boolean integer) {
      this.integer = integer;
    }

    @Override
    String describe() {
      return integer ? "a big integer (decimal string)" : "a decimal (decimal string)";
    }

    /** Returns the canonical text of a number, as the Java writer writes it. */
    private String canonical(String text) {
      if (text.length() > MAX_NUMBER_CHARS) {
        throw new TranscodeException(
            "number text of " + text.length() + " chars exceeds " + MAX_NUMBER_CHARS);
      }
      try {
        return integer ? new BigInteger(text).toString() : new BigDecimal(text).toString();
      } catch (NumberFormatException | ArithmeticException e) {
        throw new TranscodeException("\"" + cut(text) + "\" is not " + describe());
      }
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      JsonToken t = p.currentToken();
      if (t != JsonToken.VALUE_STRING
          && t != JsonToken.VALUE_NUMBER_INT
          && t != JsonToken.VALUE_NUMBER_FLOAT) {
        throw unexpected(p);
      }
      out.writeString(canonical(p.getText()));
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      String text = in.readString();
      canonical(text); // checks it is a number
      g.writeString(text);
    }

    @Override
    void keyFromJson(String key, OutputBytes out) {
      out.writeString(canonical(key));
    }

    @Override
    String keyToJson(MsgpackIn in) {
      String text = in.readString();
      canonical(text);
      return text;
    }
  }
}
