package io.switchboard.msgpack;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.msgpack.core.MessagePacker;
import org.msgpack.value.ValueType;

/**
 * An enum as an integer: the constant's {@link MsgpackIndex}, or its ordinal. Reads the constant's
 * name (str) too, for hand-written peers. An integer or name this version does not know decodes to
 * null, so a newer peer may add constants.
 */
final class EnumCodec extends Codec<Object> {
  private final int[] indexByOrdinal;
  private final Map<Integer, Object> byIndex;
  private final Map<String, Object> byName;

  EnumCodec(Object[] constants, int[] indexByOrdinal) {
    this.indexByOrdinal = indexByOrdinal;
    this.byIndex = new HashMap<>();
    this.byName = new HashMap<>();
    for (Object c : constants) {
      Enum<?> e = (Enum<?>) c;
      byIndex.put(indexByOrdinal[e.ordinal()], e);
      byName.put(e.name(), e);
    }
  }

  @Override
  void write(MessagePacker out, Object value, int depthLeft) throws IOException {
    out.packInt(indexByOrdinal[((Enum<?>) value).ordinal()]);
  }

  @Override
  Object read(MessagePackReader in) throws IOException {
    if (in.nextFormat().getValueType() == ValueType.STRING) {
      return byName.get(in.readString());
    }
    long index = in.readLong();
    return index < Integer.MIN_VALUE || index > Integer.MAX_VALUE ? null : byIndex.get((int) index);
  }
}
