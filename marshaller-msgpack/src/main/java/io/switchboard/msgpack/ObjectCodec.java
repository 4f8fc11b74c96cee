package io.switchboard.msgpack;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessagePacker;

/**
 * A record or POJO in the {@link WireShape#ARRAY array} or {@link WireShape#MAP map} shape. The
 * reflection happened when it was built: reading and writing go through method handles.
 */
final class ObjectCodec extends Codec<Object> {
  /** One field: where it is on the wire, how to get it and how to code its value. */
  static final class Field {
    final String name;
    final int index;
    final Codec<Object> codec;
    final MethodHandle getter; // (Object)Object
    final Object defaultValue;
    final byte[] key; // the str header and UTF-8 bytes of the name: the map shape's key
    int position; // the field's place in the constructor's arguments

    Field(String name, int index, Codec<Object> codec, MethodHandle getter, Object defaultValue) {
      this.name = name;
      this.index = index;
      this.codec = codec;
      this.getter = getter;
      this.defaultValue = defaultValue;
      this.key = strKey(name);
    }
  }

  /** Makes the object from its field values, in field order. */
  interface Instantiator {
    Object create(Object[] values) throws Throwable;
  }

  private final String typeName;
  private final WireShape shape;
  private final Field[] fields; // constructor order
  private final Field[] slots; // by wire index; null for a gap
  private final Map<String, Field> byName;
  private final Object[] defaults;
  private final Instantiator instantiator;

  ObjectCodec(String typeName, WireShape shape, List<Field> fields, Instantiator instantiator) {
    this.typeName = typeName;
    this.shape = shape;
    this.fields = fields.toArray(new Field[0]);
    this.instantiator = instantiator;
    int maxIndex = -1;
    this.byName = new HashMap<>();
    this.defaults = new Object[this.fields.length];
    for (int i = 0; i < this.fields.length; i++) {
      Field f = this.fields[i];
      f.position = i;
      defaults[i] = f.defaultValue;
      maxIndex = Math.max(maxIndex, f.index);
      byName.put(f.name, f);
    }
    this.slots = new Field[maxIndex + 1];
    for (Field f : this.fields) {
      if (f.index >= 0) {
        slots[f.index] = f;
      }
    }
  }

  @Override
  void write(MessagePacker out, Object value, int depthLeft) throws IOException {
    checkDepth(depthLeft);
    Field current = null;
    try {
      if (shape == WireShape.ARRAY) {
        out.packArrayHeader(slots.length);
        for (Field f : slots) {
          current = f;
          if (f == null) {
            out.packNil();
          } else {
            f.codec.writeNullable(out, get(f, value), depthLeft - 1);
          }
        }
      } else {
        out.packMapHeader(fields.length);
        for (Field f : fields) {
          current = f;
          out.writePayload(f.key);
          f.codec.writeNullable(out, get(f, value), depthLeft - 1);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw CodecException.of(e).inField(typeName, current == null ? "?" : current.name);
    }
  }

  private static Object get(Field f, Object owner) {
    try {
      return (Object) f.getter.invokeExact(owner);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new CodecException("accessor threw " + t, t);
    }
  }

  @Override
  Object read(MessagePackReader in) throws IOException {
    in.enter();
    Object[] values = defaults.clone();
    String field = null;
    try {
      if (shape == WireShape.ARRAY) {
        int n = in.readArrayHeader();
        for (int i = 0; i < n; i++) {
          Field f = i < slots.length ? slots[i] : null;
          if (f == null) {
            field = "[" + i + "]";
            in.skipValue();
          } else {
            field = f.name;
            if (!in.tryReadNil()) {
              values[f.position] = f.codec.read(in);
            }
          }
        }
      } else {
        int n = in.readMapHeader();
        for (int i = 0; i < n; i++) {
          field = "{" + i + "}";
          String key = in.readString();
          Field f = byName.get(key);
          field = key;
          if (f == null) {
            in.skipValue();
          } else if (!in.tryReadNil()) {
            values[f.position] = f.codec.read(in);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      throw CodecException.of(e).inField(typeName, field);
    }
    in.exit();
    try {
      return instantiator.create(values);
    } catch (Throwable t) {
      throw new CodecException("constructor rejected the decoded values: " + t, t)
          .inField(typeName, null);
    }
  }

  private static byte[] strKey(String name) {
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    int n = utf8.length;
    byte[] header;
    if (n < 32) {
      header = new byte[] {(byte) (0xa0 | n)};
    } else if (n < 256) {
      header = new byte[] {(byte) 0xd9, (byte) n};
    } else {
      header = new byte[] {(byte) 0xda, (byte) (n >>> 8), (byte) n};
    }
    byte[] key = new byte[header.length + n];
    System.arraycopy(header, 0, key, 0, header.length);
    System.arraycopy(utf8, 0, key, header.length, n);
    return key;
  }
}
