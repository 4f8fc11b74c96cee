/**
 * Schemas of MessagePack messages and the service that publishes them.
 *
 * <ul>
 *   <li>{@link io.switchboard.msgpack.schema.Schema}: one message type's shape, fields, types, enum
 *       constants and union variants, from {@code MessagePackMarshaller.schema()} (built from the
 *       codecs themselves); {@link io.switchboard.msgpack.schema.SchemaCodec} writes it as
 *       map-shaped MessagePack.
 *   <li>{@link io.switchboard.msgpack.schema.SchemaReflection}: the one-line server opt-in that
 *       publishes every service's methods and schemas; {@link
 *       io.switchboard.msgpack.schema.SchemaReflectionClient} reads them.
 * </ul>
 *
 * <p>The canonical JSON mapping that reads and writes messages by these schemas is in the {@code
 * switchboard-msgpack-json} module.
 */
package io.switchboard.msgpack.schema;
