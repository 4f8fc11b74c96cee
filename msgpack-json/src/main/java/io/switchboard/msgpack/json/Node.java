package io.switchboard.msgpack.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Transcodes one type of value between JSON and MessagePack, both ways, as the schema says. Built
 * once per schema by {@link NodeCompiler}; immutable and thread-safe after that.
 */
abstract class Node {
  /** What the value is, in plain words for errors: {@code "an int32"}, {@code "demo.User"}. */
  abstract String describe();

  /**
   * Reads the JSON value whose first token is the parser's current token (never {@code null}: the
   * caller writes nil for it) and writes its MessagePack.
   */
  abstract void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException;

  /** Reads one MessagePack value that is not nil and writes its JSON. */
  abstract void toJson(MsgpackIn in, JsonGenerator g) throws IOException;

  /**
   * Writes the JSON of a field whose value is nil or absent: what the Java reader makes of it, null
   * unless the field is a primitive (then its zero).
   */
  void writeAbsent(JsonGenerator g, boolean nullable) throws IOException {
    g.writeNull();
  }

  /** Writes the MessagePack of a JSON object key, for a map with this key type. */
  void keyFromJson(String key, OutputBytes out) {
    throw new TranscodeException("a map whose keys are " + describe() + " has no JSON form");
  }

  /** Reads a MessagePack map key (not nil) and returns its JSON object key. */
  String keyToJson(MsgpackIn in) {
    throw new TranscodeException("a map whose keys are " + describe() + " has no JSON form");
  }

  /** Reads a value that may be JSON null (written as nil). */
  final void fromJsonNullable(JsonParser p, OutputBytes out, JsonReading reading)
      throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      out.writeNil();
    } else {
      fromJson(p, out, reading);
    }
  }

  /** Reads a value that may be nil (written as JSON null). */
  final void toJsonNullable(MsgpackIn in, JsonGenerator g) throws IOException {
    if (in.tryNil()) {
      g.writeNull();
    } else {
      toJson(in, g);
    }
  }

  /** Returns the error for a JSON token this node does not take. */
  final TranscodeException unexpected(JsonParser p) {
    return new TranscodeException("expected " + describe() + ", got " + words(p.currentToken()));
  }

  /** Returns a JSON token in plain words. */
  static String words(JsonToken t) {
    if (t == null) {
      return "the end of the document";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case END_OBJECT -> "the end of an object";
      case END_ARRAY -> "the end of an array";
      case FIELD_NAME -> "a key";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a number with a fraction or exponent";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.toString();
    };
  }

  /**
   * The state of one JSON document being read: its nesting, checked against {@code maxDepth}, and
   * the string limit.
   */
  static final class JsonReading {
    private final int max;
    private final int maxStringChars;
    private int depth;

    JsonReading(JsonSettings settings) {
      this.max = settings.maxDepth();
      this.maxStringChars = settings.maxStringChars();
    }

    /** Fails if the current string token or key is longer than {@code maxStringChars}. */
    void checkString(int length) {
      if (length > maxStringChars) {
        throw new TranscodeException("a string longer than maxStringChars " + maxStringChars);
      }
    }

    void enter() {
      if (++depth > max) {
        throw new TranscodeException("nesting deeper than maxDepth " + max);
      }
    }

    void exit() {
      depth--;
    }
  }
}
