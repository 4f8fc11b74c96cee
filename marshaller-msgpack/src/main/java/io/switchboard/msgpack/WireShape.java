package io.switchboard.msgpack;

/**
 * How a record or POJO is laid out on the wire. See {@code WIRE-FORMAT.md} for the exact bytes.
 *
 * <p>Chosen per type with {@link MessagePackShape}, otherwise per marshaller with {@link
 * MessagePackSettings.Builder#defaultShape(WireShape)}.
 */
public enum WireShape {
  /**
   * A MessagePack array whose element {@code i} is the field with index {@code i} ({@link
   * MessagePackIndex}, or the record component's position); gaps are written as nil. The most
   * compact shape, evolved like protobuf field numbers: append fields, never reuse an index.
   */
  ARRAY,
  /**
   * A MessagePack map from field name (str) to value: readable in any MessagePack tool, and loosely
   * coupled (unknown keys are skipped, missing keys get defaults), at about twice the size.
   */
  MAP
}
