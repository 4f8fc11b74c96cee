package io.switchboard.msgpack.json;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;

/**
 * Any value, without a schema: a JSON object is a MessagePack map with str keys, an array an array,
 * a string a str, an integer an int (a float otherwise), true/false and null themselves. The other
 * way, a bin becomes a base64 string and a timestamp an RFC 3339 string; other extensions, and map
 * keys that are neither str nor int, have no JSON form.
 */
final class AnyNode extends Node {
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  private final JsonSettings settings;
  private final String words;

  AnyNode(JsonSettings settings, String words) {
    this.settings = settings;
    this.words = words;
  }

  @Override
  String describe() {
    return words;
  }

  @Override
  void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT -> {
        reading.enter();
        int header = out.size;
        out.writeByte(0x80);
        int n = 0;
        String name = null;
        try {
          while ((name = p.nextFieldName()) != null) {
            checkCount(n, "map");
            reading.checkString(name.length());
            out.writeString(name);
            p.nextToken();
            fromJsonNullable(p, out, reading);
            n++;
          }
        } catch (TranscodeException e) {
          throw name == null ? e : e.atField(name);
        }
        out.fixHeader(header, n, true);
        reading.exit();
      }
      case START_ARRAY -> {
        reading.enter();
        int header = out.size;
        out.writeByte(0x90);
        int n = 0;
        try {
          while (p.nextToken() != JsonToken.END_ARRAY) {
            checkCount(n, "array");
            fromJsonNullable(p, out, reading);
            n++;
          }
        } catch (TranscodeException e) {
          throw e.atIndex(n);
        }
        out.fixHeader(header, n, false);
        reading.exit();
      }
      case VALUE_STRING ->
          out.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
      case VALUE_NUMBER_INT -> {
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          BigInteger v = p.getBigIntegerValue();
          if (v.signum() < 0 || v.compareTo(TWO_64) >= 0) {
            throw new TranscodeException("integer " + p.getText() + " out of range -2^63..2^64-1");
          }
          out.writeUint64(v.longValue());
        } else {
          out.writeLong(p.getLongValue());
        }
      }
      case VALUE_NUMBER_FLOAT -> out.writeDouble(p.getDoubleValue());
      case VALUE_TRUE -> out.writeBoolean(true);
      case VALUE_FALSE -> out.writeBoolean(false);
      case VALUE_NULL -> out.writeNil();
      default -> throw unexpected(p);
    }
  }

  private void checkCount(int n, String what) {
    if (n == settings.maxCollectionSize()) {
      throw new TranscodeException(
          what + " of more than " + n + " entries exceeds maxCollectionSize " + n);
    }
  }

  @Override
  void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
    switch (in.peekKind()) {
      case NIL -> {
        in.tryNil();
        g.writeNull();
      }
      case BOOLEAN -> g.writeBoolean(in.readBoolean());
      case INTEGER -> {
        if (in.nextIsBigUint64()) {
          long bits = in.readUint64Bits();
          g.writeNumber(new BigInteger(Long.toUnsignedString(bits)));
        } else {
          g.writeNumber(in.readLong());
        }
      }
      case FLOAT -> {
        boolean float32 = in.nextIsFloat32();
        double d = in.readFloat();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          g.writeString(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        } else if (float32) {
          g.writeNumber((float) d);
        } else {
          g.writeNumber(d);
        }
      }
      case STRING -> ScalarNodes.writeUtf8(in, g, in.readStrHeader());
      case BINARY -> {
        int n = in.readBinHeader();
        g.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, in.b, in.pos, n);
        in.pos += n;
      }
      case ARRAY -> {
        int n = in.readArrayHeader();
        in.enter();
        g.writeStartArray();
        int i = 0;
        try {
          for (; i < n; i++) {
            toJson(in, g);
          }
        } catch (TranscodeException e) {
          throw e.atIndex(i);
        }
        g.writeEndArray();
        in.exit();
      }
      case MAP -> {
        int n = in.readMapHeader();
        in.enter();
        g.writeStartObject();
        String key = null;
        try {
          for (int i = 0; i < n; i++) {
            key = null;
            MsgpackIn.Kind k = in.peekKind();
            if (k == MsgpackIn.Kind.STRING) {
              key = in.readString();
            } else if (k == MsgpackIn.Kind.INTEGER && !in.nextIsBigUint64()) {
              key = Long.toString(in.readLong());
            } else {
              throw new TranscodeException(
                  "a map key that is "
                      + k.words
                      + " has no JSON form (expected: a string or an integer)");
            }
            g.writeFieldName(key);
            toJson(in, g);
          }
        } catch (TranscodeException e) {
          throw key == null ? e : e.atField(key);
        }
        g.writeEndObject();
        in.exit();
      }
      case EXTENSION -> {
        int start = in.pos;
        int type = in.readExtHeader();
        if (type != -1) {
          throw new TranscodeException(
              "extension type " + type + " has no JSON form (only timestamps, type -1)");
        }
        in.pos = start;
        in.readTimestamp();
        try {
          g.writeString(Instant.ofEpochSecond(in.seconds, in.nanos).toString());
        } catch (DateTimeException e) {
          throw new TranscodeException("timestamp of " + in.seconds + " seconds out of range");
        }
      }
      default -> throw new TranscodeException("the byte 0xc1, which MessagePack never uses");
    }
  }
}
