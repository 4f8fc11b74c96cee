package io.switchboard.msgpack.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import io.switchboard.msgpack.WireShape;
import io.switchboard.msgpack.schema.NamedType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A record or class: a JSON object by field name, written as the schema's MessagePack array (field
 * {@code i} at element {@code i}, nil in the gaps) or map (every field, in declaration order) — the
 * bytes the Java marshaller writes. JSON keys may come in any order; in the usual one (the
 * schema's) they are written straight through, otherwise the fields are put in order at the end of
 * the object.
 */
final class MessageNode extends Node {
  /** Reads back the bytes this class wrote, to find field boundaries: no real limits needed. */
  private static final JsonSettings OWN_BYTES =
      JsonSettings.newBuilder().maxDepth(1024).maxMessageBytes(Integer.MAX_VALUE).build();

  /** One field, at its place among the message's slots. */
  static final class Slot {
    final String name;
    final SerializedString jsonKey;
    final byte[] wireKey; // the map shape's key: str header + UTF-8
    final int utf8Length; // of the name
    final Node node;
    final boolean nullable;
    final int slot;

    Slot(String name, Node node, boolean nullable, int slot) {
      this.name = name;
      this.jsonKey = new SerializedString(name);
      OutputBytes key = new OutputBytes();
      key.writeString(name);
      this.wireKey = key.toByteArray();
      this.utf8Length = name.getBytes(StandardCharsets.UTF_8).length;
      this.node = node;
      this.nullable = nullable;
      this.slot = slot;
    }
  }

  private final String name;
  private final boolean map;
  private final boolean ignoreUnknown;
  private Slot[] slots; // array shape: by wire index, null in a gap; map shape: declaration order
  private int[] firstFieldFrom; // the first slot at or after i that is a field (slots.length: none)
  private final Map<String, Slot> byName = new HashMap<>();

  MessageNode(NamedType.MessageType type, JsonSettings settings) {
    this.name = type.name();
    this.map = type.shape() == WireShape.MAP;
    this.ignoreUnknown = settings.ignoreUnknownFields();
  }

  /** Sets the fields, with their nodes (in the schema's order). */
  void fields(List<NamedType.Field> fields, List<Node> nodes) {
    int n;
    if (map) {
      n = fields.size();
    } else {
      int max = -1;
      for (NamedType.Field f : fields) {
        max = Math.max(max, f.index());
      }
      n = max + 1;
    }
    slots = new Slot[n];
    for (int i = 0; i < fields.size(); i++) {
      NamedType.Field f = fields.get(i);
      int slot = map ? i : f.index();
      if (slot < 0) {
        throw new IllegalArgumentException(
            name + "." + f.name() + ": index " + f.index() + " in the array shape");
      }
      Slot s = new Slot(f.name(), nodes.get(i), f.nullable(), slot);
      slots[slot] = s;
      byName.put(f.name(), s);
    }
    firstFieldFrom = new int[n + 1];
    firstFieldFrom[n] = n;
    for (int i = n - 1; i >= 0; i--) {
      firstFieldFrom[i] = slots[i] != null ? i : firstFieldFrom[i + 1];
    }
  }

  @Override
  String describe() {
    return "a " + name + " (an object)";
  }

  /** Writes a slot with no value: nil (after its key, in the map shape). */
  private void writeAbsent(OutputBytes out, int slot) {
    if (map) {
      byte[] key = slots[slot].wireKey;
      out.writeBytes(key, 0, key.length);
    }
    out.writeNil();
  }

  @Override
  void fromJson(JsonParser p, OutputBytes out, JsonReading reading) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw unexpected(p);
    }
    reading.enter();
    int n = slots.length;
    if (map) {
      out.writeMapHeader(n);
    } else {
      out.writeArrayHeader(n);
    }
    int body = out.size;
    int next = 0; // in order: the slots before it are written
    long seen = 0; // the first 64 slots given by a key
    boolean[] seenMore = n > 64 ? new boolean[n] : null;
    int[] segments = null; // out of order: [start, end) of each slot's bytes, or -1
    Slot s = null;
    try {
      while (true) {
        s = null;
        Slot expected =
            segments == null && firstFieldFrom[next] < n ? slots[firstFieldFrom[next]] : null;
        if (expected != null && p.nextFieldName(expected.jsonKey)) {
          s = expected;
        } else {
          JsonToken t = expected != null ? p.currentToken() : p.nextToken();
          if (t == JsonToken.END_OBJECT) {
            break;
          }
          if (t != JsonToken.FIELD_NAME) {
            throw unexpected(p);
          }
          String key = p.currentName();
          s = byName.get(key);
          if (s == null) {
            if (!ignoreUnknown) {
              throw new TranscodeException(
                  "unknown field \""
                      + ScalarNodes.cut(key)
                      + "\" of "
                      + name
                      + " (expected: one of "
                      + ScalarNodes.cut(String.join(", ", byName.keySet()))
                      + ")");
            }
            p.nextToken();
            p.skipChildren();
            continue;
          }
        }
        int slot = s.slot;
        if (slot < 64 ? (seen & (1L << slot)) != 0 : seenMore[slot]) {
          throw new TranscodeException("field \"" + s.name + "\" appears twice");
        }
        if (slot < 64) {
          seen |= 1L << slot;
        } else {
          seenMore[slot] = true;
        }
        p.nextToken();
        if (segments == null && slot >= next) {
          for (int i = next; i < slot; i++) {
            writeAbsent(out, i);
          }
          writeValue(p, out, reading, s);
          next = slot + 1;
        } else {
          if (segments == null) {
            segments = boundaries(out, body, next);
          }
          segments[2 * slot] = out.size;
          writeValue(p, out, reading, s);
          segments[2 * slot + 1] = out.size;
        }
      }
    } catch (TranscodeException e) {
      throw s == null ? e : e.atField(s.name);
    }
    if (segments == null) {
      for (int i = next; i < n; i++) {
        writeAbsent(out, i);
      }
    } else {
      byte[] written = Arrays.copyOfRange(out.bytes, body, out.size);
      out.size = body;
      for (int i = 0; i < n; i++) {
        int start = segments[2 * i];
        if (start < 0) {
          writeAbsent(out, i);
        } else {
          out.writeBytes(written, start - body, segments[2 * i + 1] - start);
        }
      }
    }
    reading.exit();
  }

  private void writeValue(JsonParser p, OutputBytes out, JsonReading reading, Slot s)
      throws IOException {
    if (map) {
      out.writeBytes(s.wireKey, 0, s.wireKey.length);
    }
    s.node.fromJsonNullable(p, out, reading);
  }

  /**
   * Returns the byte ranges of the first {@code written} slots, written in order from {@code body},
   * as pairs {@code [start, end)}; -1 for the slots not written yet.
   */
  private int[] boundaries(OutputBytes out, int body, int written) {
    int[] segments = new int[2 * slots.length];
    Arrays.fill(segments, -1);
    MsgpackIn in = new MsgpackIn(out.bytes, body, out.size - body, OWN_BYTES);
    for (int i = 0; i < written; i++) {
      segments[2 * i] = in.pos;
      if (map) {
        in.skipValue();
      }
      in.skipValue();
      segments[2 * i + 1] = in.pos;
    }
    return segments;
  }

  @Override
  void toJson(MsgpackIn in, JsonGenerator g) throws IOException {
    if (map) {
      mapToJson(in, g);
      return;
    }
    int count = in.readArrayHeader();
    in.enter();
    g.writeStartObject();
    int n = slots.length;
    Slot s = null;
    int i = 0;
    try {
      for (; i < count; i++) {
        s = i < n ? slots[i] : null;
        if (s == null) {
          in.skipValue(); // a gap or a field of a newer version
        } else {
          writeField(in, g, s);
        }
      }
    } catch (TranscodeException e) {
      throw s == null ? e.atIndex(i) : e.atField(s.name);
    }
    for (int j = count; j < n; j++) {
      if (slots[j] != null) {
        g.writeFieldName(slots[j].jsonKey);
        slots[j].node.writeAbsent(g, slots[j].nullable);
      }
    }
    g.writeEndObject();
    in.exit();
  }

  private static void writeField(MsgpackIn in, JsonGenerator g, Slot s) throws IOException {
    g.writeFieldName(s.jsonKey);
    if (in.tryNil()) {
      s.node.writeAbsent(g, s.nullable);
    } else {
      s.node.toJson(in, g);
    }
  }

  private void mapToJson(MsgpackIn in, JsonGenerator g) throws IOException {
    int count = in.readMapHeader();
    in.enter();
    g.writeStartObject();
    int n = slots.length;
    long seen = 0;
    boolean[] seenMore = n > 64 ? new boolean[n] : null;
    Slot s = null;
    String key = null;
    try {
      for (int i = 0; i < count; i++) {
        s = null;
        key = null;
        int length = in.readStrHeader();
        // The Java writer writes the fields in order: compare the next one's key first.
        Slot expected = i < n ? slots[i] : null;
        if (expected != null && sameKey(in, length, expected)) {
          s = expected;
        } else {
          key = new String(in.b, in.pos, length, StandardCharsets.UTF_8);
          s = byName.get(key);
        }
        in.pos += length;
        if (s == null) {
          in.skipValue(); // a field of a newer version
          continue;
        }
        if (s.slot < 64 ? (seen & (1L << s.slot)) != 0 : seenMore[s.slot]) {
          throw new TranscodeException("key \"" + s.name + "\" appears twice");
        }
        if (s.slot < 64) {
          seen |= 1L << s.slot;
        } else {
          seenMore[s.slot] = true;
        }
        writeField(in, g, s);
      }
    } catch (TranscodeException e) {
      throw s != null ? e.atField(s.name) : key != null ? e.atField(key) : e;
    }
    for (int j = 0; j < n; j++) {
      if (j < 64 ? (seen & (1L << j)) == 0 : !seenMore[j]) {
        g.writeFieldName(slots[j].jsonKey);
        slots[j].node.writeAbsent(g, slots[j].nullable);
      }
    }
    g.writeEndObject();
    in.exit();
  }

  /** Whether the {@code length} bytes at the reader's position are the UTF-8 of a wire key. */
  private static boolean sameKey(MsgpackIn in, int length, Slot s) {
    byte[] key = s.wireKey;
    return length == s.utf8Length
        && Arrays.equals(in.b, in.pos, in.pos + length, key, key.length - length, key.length);
  }
}
