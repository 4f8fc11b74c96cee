package io.switchboard.msgpack;

import io.switchboard.msgpack.schema.NamedType;
import io.switchboard.msgpack.schema.TypeRef;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessagePacker;
import org.msgpack.value.ValueType;

/**
 * An enum as an integer: the constant's {@link MessagePackIndex}, or its ordinal. Reads the
 * constant's name (str) too, for hand-written peers. An integer or name this version does not know
 * decodes to null, so a newer peer may add constants.
 */
final class EnumCodec extends Codec<Object> {
  private final String schemaName;
  private final Object[] constants;
  private final int[] indexByOrdinal;
  private final Map<Integer, Object> byIndex;
  private final Map<String, Object> byName;

  EnumCodec(String schemaName, Object[] constants, int[] indexByOrdinal) {
    this.schemaName = schemaName;
    this.constants = constants;
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
  TypeRef describe(SchemaCollector schemas) {
    if (schemas.start(schemaName)) {
      List<NamedType.Constant> list = new ArrayList<>();
      for (Object c : constants) {
        Enum<?> e = (Enum<?>) c;
        list.add(new NamedType.Constant(e.name(), indexByOrdinal[e.ordinal()]));
      }
      return schemas.define(new NamedType.EnumType(schemaName, list));
    }
    return new TypeRef.Named(schemaName);
  }

  @Override
  void write(MessagePacker out, Object value, int depthLeft) throws IOException {
    out.packInt(indexByOrdinal[((Enum<?>) value).ordinal()]);
  }

  @Override
  Object read(MessagePackReader in) throws IOException {
    if (in.valueType() == ValueType.STRING) {
      return byName.get(in.readString());
    }
    long index = in.readLong();
    return index < Integer.MIN_VALUE || index > Integer.MAX_VALUE ? null : byIndex.get((int) index);
  }
}
