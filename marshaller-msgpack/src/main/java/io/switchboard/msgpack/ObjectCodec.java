package io.switchboard.msgpack;

import io.switchboard.msgpack.schema.NamedType;
import io.switchboard.msgpack.schema.TypeRef;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;
import org.msgpack.core.MessagePacker;

/**
 * A record or POJO in the {@link WireShape#ARRAY array} or {@link WireShape#MAP map} shape. The
 * reflection happened when it was built: a field is read through a typed {@linkplain Getters
 * getter} (no boxing for primitives), written or read inline for primitives and strings and through
 * its codec otherwise, and the object is made by one method handle from the decoded values, the
 * primitives among them kept unboxed.
 */
final class ObjectCodec extends Codec<Object> {
  /**
   * How a field's value is got, written and read. The primitive kinds are written straight from a
   * typed getter and held unboxed while decoding, in a {@code long[]}: an int or long as itself, a
   * boolean as 1 or 0, a float or double as {@link Double#doubleToRawLongBits} of its double value.
   * A zero {@code long} is then each primitive's default.
   */
  enum Kind {
    BOOLEAN,
    INT,
    LONG,
    FLOAT,
    DOUBLE,
    /** A {@code String} with the built-in codec. */
    STRING,
    /** Anything else (byte, short and char included, boxed): through the field's codec. */
    CODEC;

    /** Whether the value is held in the {@code long[]} of primitives while decoding. */
    boolean primitive() {
      return ordinal() <= DOUBLE.ordinal();
    }

    /** Returns the kind of a field declared with this class and the built-in codec. */
    static Kind of(Class<?> type) {
      if (type == boolean.class) {
        return BOOLEAN;
      } else if (type == int.class) {
        return INT;
      } else if (type == long.class) {
        return LONG;
      } else if (type == float.class) {
        return FLOAT;
      } else if (type == double.class) {
        return DOUBLE;
      } else if (type == String.class) {
        return STRING;
      }
      return CODEC;
    }
  }

  /** One field: where it is on the wire, how to get it and how to code its value. */
  static final class Field {
    final String name;
    final int index;
    final Kind kind;
    final Codec<Object> codec;
    final Object defaultValue; // what nil decodes to, for a field that is not primitive()
    final byte[] key; // the str header and UTF-8 bytes of the name: the map shape's key
    final int slot; // the field's place among the primitive or the other decoded values
    final boolean nullable; // declared with a reference type: null is written as nil
    // The getter, typed by kind: exactly one is set (see Getters).
    private final ToLongFunction<Object> longGetter;
    private final ToIntFunction<Object> intGetter;
    private final Predicate<Object> booleanGetter;
    private final ToDoubleFunction<Object> doubleGetter;
    private final Function<Object, Object> getter;

    @SuppressWarnings("unchecked")
    Field(
        String name,
        int index,
        Kind kind,
        Codec<Object> codec,
        Object getter,
        Object defaultValue,
        int slot,
        boolean nullable) {
      this.name = name;
      this.index = index;
      this.kind = kind;
      this.codec = codec;
      this.defaultValue = defaultValue;
      this.key = strKey(name);
      this.slot = slot;
      this.nullable = nullable;
      this.longGetter = kind == Kind.LONG ? (ToLongFunction<Object>) getter : null;
      this.intGetter = kind == Kind.INT ? (ToIntFunction<Object>) getter : null;
      this.booleanGetter = kind == Kind.BOOLEAN ? (Predicate<Object>) getter : null;
      this.doubleGetter =
          kind == Kind.FLOAT || kind == Kind.DOUBLE ? (ToDoubleFunction<Object>) getter : null;
      this.getter = kind.primitive() ? null : (Function<Object, Object>) getter;
    }

    /** Writes this field of {@code owner}. */
    void write(MessagePacker out, Object owner, int depthLeft) throws IOException {
      switch (kind) {
        case BOOLEAN -> out.packBoolean(booleanGetter.test(owner));
        case INT -> out.packInt(intGetter.applyAsInt(owner));
        case LONG -> out.packLong(longGetter.applyAsLong(owner));
        case FLOAT -> out.packFloat((float) doubleGetter.applyAsDouble(owner));
        case DOUBLE -> out.packDouble(doubleGetter.applyAsDouble(owner));
        case STRING -> {
          String s = (String) getter.apply(owner);
          if (s == null) {
            out.packNil();
          } else {
            ScalarCodecs.packString(out, s);
          }
        }
        case CODEC -> codec.writeNullable(out, getter.apply(owner), depthLeft);
      }
    }

    /** Reads this field's value, which is not nil, into {@code refs} or {@code prims}. */
    void read(MessagePackReader in, Object[] refs, long[] prims) throws IOException {
      switch (kind) {
        case BOOLEAN -> prims[slot] = in.readBoolean() ? 1 : 0;
        case INT -> prims[slot] = in.readInt();
        case LONG -> prims[slot] = in.readLong();
        case FLOAT -> prims[slot] = Double.doubleToRawLongBits((float) in.readDouble());
        case DOUBLE -> prims[slot] = Double.doubleToRawLongBits(in.readDouble());
        case STRING -> refs[slot] = in.readString();
        case CODEC -> refs[slot] = codec.read(in);
      }
    }
  }

  private static final Object[] NO_REFS = {};
  private static final long[] NO_PRIMS = {};

  private final String typeName;
  private final String schemaName;
  private final WireShape shape;
  private final Field[] fields; // declaration order
  private final Field[] slots; // by wire index; null for a gap
  private final Map<String, Field> byName;
  private final Object[] refDefaults; // by slot, for the fields that are not primitive()
  private final int primCount;
  private final MethodHandle construct; // (Object[] refs, long[] prims)Object

  /**
   * @param fields the fields, with their slots numbered from 0 separately among the primitive and
   *     the other fields
   * @param construct makes the object from the decoded values: {@code (Object[] refs, long[]
   *     prims)Object}
   */
  ObjectCodec(
      String typeName,
      String schemaName,
      WireShape shape,
      List<Field> fields,
      MethodHandle construct) {
    this.typeName = typeName;
    this.schemaName = schemaName;
    this.shape = shape;
    this.fields = fields.toArray(new Field[0]);
    this.construct = construct;
    this.byName = new HashMap<>();
    int maxIndex = -1;
    int refCount = 0;
    int prims = 0;
    for (Field f : this.fields) {
      maxIndex = Math.max(maxIndex, f.index);
      byName.put(f.name, f);
      if (f.kind.primitive()) {
        prims++;
      } else {
        refCount++;
      }
    }
    this.primCount = prims;
    this.refDefaults = new Object[refCount];
    this.slots = new Field[maxIndex + 1];
    for (Field f : this.fields) {
      if (!f.kind.primitive()) {
        refDefaults[f.slot] = f.defaultValue;
      }
      if (f.index >= 0) {
        slots[f.index] = f;
      }
    }
  }

  @Override
  TypeRef describe(SchemaCollector schemas) {
    if (schemas.start(schemaName)) {
      List<NamedType.Field> list = new ArrayList<>(fields.length);
      for (Field f : fields) {
        list.add(new NamedType.Field(f.name, f.index, f.codec.describe(schemas), f.nullable));
      }
      return schemas.define(new NamedType.MessageType(schemaName, shape, list));
    }
    return new TypeRef.Named(schemaName);
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
            f.write(out, value, depthLeft - 1);
          }
        }
      } else {
        out.packMapHeader(fields.length);
        for (Field f : fields) {
          current = f;
          out.writePayload(f.key);
          f.write(out, value, depthLeft - 1);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw CodecException.of(e).inField(typeName, current == null ? "?" : current.name);
    } catch (Exception e) { // a checked exception thrown sneakily by an accessor
      throw new CodecException("accessor threw " + e, e)
          .inField(typeName, current == null ? "?" : current.name);
    }
  }

  @Override
  Object read(MessagePackReader in) throws IOException {
    in.enter();
    Object[] refs = refDefaults.length == 0 ? NO_REFS : refDefaults.clone();
    long[] prims = primCount == 0 ? NO_PRIMS : new long[primCount];
    String field = null;
    int entry = -1;
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
              f.read(in, refs, prims);
            }
          }
        }
      } else {
        int n = in.readMapHeader();
        for (int i = 0; i < n; i++) {
          // The entry's label "{i}" is built only if its key fails to read.
          field = null;
          entry = i;
          String key = in.readString();
          Field f = byName.get(key);
          field = key;
          if (f == null) {
            in.skipValue();
          } else if (!in.tryReadNil()) {
            f.read(in, refs, prims);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      throw CodecException.of(e)
          .inField(typeName, field != null || entry < 0 ? field : "{" + entry + "}");
    }
    in.exit();
    try {
      return (Object) construct.invokeExact(refs, prims);
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
