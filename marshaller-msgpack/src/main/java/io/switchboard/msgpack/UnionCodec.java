package io.switchboard.msgpack;

import io.switchboard.msgpack.schema.NamedType;
import io.switchboard.msgpack.schema.TypeRef;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessagePacker;

/**
 * A sealed interface or abstract class as {@code [typeIndex, value]}, the type index being the
 * {@link MessagePackIndex} of the permitted subtype.
 */
final class UnionCodec extends Codec<Object> {
  /** One permitted subtype. */
  record Case(int index, Class<?> type, Codec<Object> codec) {}

  private final String typeName;
  private final String schemaName;
  private final Case[] byIndex; // null for a gap
  private final Map<Class<?>, Case> byType;

  UnionCodec(String typeName, String schemaName, Case[] byIndex, Map<Class<?>, Case> byType) {
    this.typeName = typeName;
    this.schemaName = schemaName;
    this.byIndex = byIndex;
    this.byType = byType;
  }

  @Override
  TypeRef describe(SchemaCollector schemas) {
    if (schemas.start(schemaName)) {
      List<NamedType.Variant> variants = new ArrayList<>();
      for (Case c : byIndex) {
        if (c != null) {
          variants.add(
              new NamedType.Variant(
                  c.index(), c.type().getSimpleName(), c.codec().describe(schemas)));
        }
      }
      return schemas.define(new NamedType.UnionType(schemaName, variants));
    }
    return new TypeRef.Named(schemaName);
  }

  @Override
  void write(MessagePacker out, Object value, int depthLeft) throws IOException {
    checkDepth(depthLeft);
    Case c = byType.get(value.getClass());
    if (c == null) {
      for (Case candidate : byIndex) {
        if (candidate != null && candidate.type().isInstance(value)) {
          c = candidate;
          break;
        }
      }
    }
    if (c == null) {
      throw new CodecException(
              "no permitted subtype of " + typeName + " matches " + value.getClass())
          .inField(typeName, null);
    }
    out.packArrayHeader(2).packInt(c.index());
    try {
      c.codec().write(out, value, depthLeft - 1);
    } catch (IOException | RuntimeException e) {
      throw CodecException.of(e).inElement("<" + c.type().getSimpleName() + ">");
    }
  }

  @Override
  Object read(MessagePackReader in) throws IOException {
    in.enter();
    Case c;
    try {
      in.readArrayHeader(2, 2);
      int index = in.readInt();
      c = index >= 0 && index < byIndex.length ? byIndex[index] : null;
      if (c == null) {
        throw new CodecException("unknown type index " + index);
      }
    } catch (IOException | RuntimeException e) {
      throw CodecException.of(e).inField(typeName, null);
    }
    Object value;
    try {
      value = c.codec().readNullable(in);
    } catch (IOException | RuntimeException e) {
      throw CodecException.of(e).inElement("<" + c.type().getSimpleName() + ">");
    }
    in.exit();
    return value;
  }
}
