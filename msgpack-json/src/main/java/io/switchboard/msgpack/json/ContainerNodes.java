package io.switchboard.msgpack.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import io.switchboard.msgpack.schema.NamedType;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The nodes of enums, lists, maps, optionals and unions. */
final class ContainerNodes {
  private ContainerNodes() {}

  /** An enum: its constant's int on the wire, its name in JSON. */
  static final class EnumNode extends Node {
    private final String name;
    private final Map<String, Integer> byName = new HashMap<>();
    private final Map<Long, String> byValue = new HashMap<>();
    private final String names;

    EnumNode(NamedType.EnumType type) {
      this.name = type.name();
      for (NamedType.Constant c : type.constants()) {
        byName.put(c.name(), c.value());
        byValue.put((long) c.value(), c.name());
      }
      this.names =
          String.join(", ", type.constants().stream().map(NamedType.Constant::name).toList());
    }

    @Override
    String describe() {
      return "a " + name + " (one of " + ScalarNodes.cut(names) + ")";
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_STRING) {
        keyFromJson(p.getText(), out);
      } else if (t == JsonToken.VALUE_NUMBER_INT) {
        long v = ScalarNodes.jsonLong(p, this);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
          throw new TranscodeException("enum value " + v + " out of range of an int");
        }
        out.writeLong(v); // a constant a newer peer may know: kept, as the Java reader keeps it
      } else {
        throw unexpected(p);
      }
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      if (in.peekKind() == MsgpackIn.Kind.STRING) {
        g.writeString(in.readString()); // readers take the name too
        return;
      }
      long v = ScalarNodes.wholeLong(in, this);
      String constant = byValue.get(v);
      if (constant == null) {
        g.writeNumber(v); // unknown to this schema: kept as the number
      } else {
        g.writeString(constant);
      }
    }

    @Override
    void keyFromJson(String key, OutputBytes out) {
      Integer v = byName.get(key);
      if (v == null) {
        throw new TranscodeException(
            "\"" + ScalarNodes.cut(key) + "\" is not a constant of " + describe());
      }
      out.writeLong(v);
    }

    @Override
    String keyToJson(MsgpackIn in) {
      if (in.peekKind() == MsgpackIn.Kind.STRING) {
        return in.readString();
      }
      long v = ScalarNodes.wholeLong(in, this);
      String constant = byValue.get(v);
      return constant == null ? Long.toString(v) : constant;
    }
  }

  /** A list, set or Java array: a MessagePack array, a JSON array. */
  static final class ListNode extends Node {
    private Node element;
    private final JsonSettings settings;

    ListNode(JsonSettings settings) {
      this.settings = settings;
    }

    void element(Node element) {
      this.element = element;
    }

    @Override
    String describe() {
      return "an array";
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      if (p.currentToken() != JsonToken.START_ARRAY) {
        throw unexpected(p);
      }
      reading.enter();
      int header = out.size;
      out.writeByte(0x90); // fixed when the count is known
      int n = 0;
      try {
        while (p.nextToken() != JsonToken.END_ARRAY) {
          if (n == settings.maxCollectionSize()) {
            throw new TranscodeException(
                "array of more than " + n + " elements exceeds maxCollectionSize " + n);
          }
          element.fromJsonNullable(p, out, reading);
          n++;
        }
      } catch (TranscodeException e) {
        throw e.atIndex(n);
      }
      out.fixHeader(header, n, false);
      reading.exit();
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      int n = in.readArrayHeader();
      in.enter();
      g.writeStartArray();
      int i = 0;
      try {
        for (; i < n; i++) {
          element.toJsonNullable(in, g);
        }
      } catch (TranscodeException e) {
        throw e.atIndex(i);
      }
      g.writeEndArray();
      in.exit();
    }
  }

  /** A map: a MessagePack map, a JSON object whose keys are the keys' text. */
  static final class MapNode extends Node {
    private Node key;
    private Node value;
    private final JsonSettings settings;

    MapNode(JsonSettings settings) {
      this.settings = settings;
    }

    void types(Node key, Node value) {
      this.key = key;
      this.value = value;
    }

    @Override
    String describe() {
      return "an object (map)";
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        throw unexpected(p);
      }
      reading.enter();
      int header = out.size;
      out.writeByte(0x80);
      int n = 0;
      String name = null;
      try {
        while ((name = p.nextFieldName()) != null) {
          if (n == settings.maxCollectionSize()) {
            throw new TranscodeException(
                "map of more than " + n + " entries exceeds maxCollectionSize " + n);
          }
          reading.checkString(name.length());
          key.keyFromJson(name, out);
          p.nextToken();
          value.fromJsonNullable(p, out, reading);
          n++;
        }
      } catch (TranscodeException e) {
        throw name == null ? e : e.atKey(name);
      }
      if (p.currentToken() != JsonToken.END_OBJECT) {
        throw unexpected(p);
      }
      out.fixHeader(header, n, true);
      reading.exit();
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      int n = in.readMapHeader();
      in.enter();
      g.writeStartObject();
      String name = null;
      try {
        for (int i = 0; i < n; i++) {
          name = null;
          if (in.tryNil()) {
            throw new TranscodeException("a nil map key has no JSON form");
          }
          name = key.keyToJson(in);
          g.writeFieldName(name);
          value.toJsonNullable(in, g);
        }
      } catch (TranscodeException e) {
        throw name == null ? e : e.atKey(name);
      }
      g.writeEndObject();
      in.exit();
    }
  }

  /** An optional: null when empty, else the value. */
  static final class OptionalNode extends Node {
    private Node value;

    void value(Node value) {
      this.value = value;
    }

    @Override
    String describe() {
      return value.describe();
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      value.fromJson(p, out, reading);
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      value.toJson(in, g);
    }
  }

  /**
   * A sealed union: {@code [tag, value]} on the wire; in JSON an object with one key, the variant's
   * name: {@code {"Circle": {"radius": 1.5}}}.
   */
  static final class UnionNode extends Node {
    private final String name;
    private final Map<String, Variant> byName = new HashMap<>();
    private final Map<Long, Variant> byTag = new HashMap<>();
    private final String names;

    record Variant(int tag, SerializedString key, Node node) {}

    UnionNode(NamedType.UnionType type) {
      this.name = type.name();
      this.names =
          String.join(", ", type.variants().stream().map(NamedType.Variant::name).toList());
    }

    void variants(List<NamedType.Variant> variants, List<Node> nodes) {
      for (int i = 0; i < variants.size(); i++) {
        NamedType.Variant v = variants.get(i);
        Variant compiled = new Variant(v.tag(), new SerializedString(v.name()), nodes.get(i));
        byName.put(v.name(), compiled);
        byTag.put((long) v.tag(), compiled);
      }
    }

    @Override
    String describe() {
      return name + " (an object with one key: " + ScalarNodes.cut(names) + ")";
    }

    @Override
    void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        throw unexpected(p);
      }
      reading.enter();
      String variant = p.nextFieldName();
      if (variant == null) {
        throw new TranscodeException("an empty object (expected: " + describe() + ")");
      }
      Variant v = byName.get(variant);
      if (v == null) {
        throw new TranscodeException(
            "\"" + ScalarNodes.cut(variant) + "\" is not a variant of " + describe());
      }
      out.writeArrayHeader(2);
      out.writeLong(v.tag());
      p.nextToken();
      try {
        v.node().fromJsonNullable(p, out, reading);
      } catch (TranscodeException e) {
        throw e.atField(variant);
      }
      if (p.nextToken() != JsonToken.END_OBJECT) {
        throw new TranscodeException(
            "a second key after \"" + variant + "\" (expected: one key, the variant)");
      }
      reading.exit();
    }

    @Override
    void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
      int n = in.readArrayHeader();
      if (n != 2) {
        throw new TranscodeException(
            "a " + name + " of " + n + " elements (expected: [tag, value])");
      }
      in.enter();
      long tag = ScalarNodes.wholeLong(in, this);
      Variant v = byTag.get(tag);
      if (v == null) {
        throw new TranscodeException("unknown type tag " + tag + " of " + name);
      }
      g.writeStartObject();
      g.writeFieldName(v.key());
      try {
        v.node().toJsonNullable(in, g);
      } catch (TranscodeException e) {
        throw e.atField(v.key().getValue());
      }
      g.writeEndObject();
      in.exit();
    }
  }
}
