/**
 * MessagePack marshalling of Java records and POJOs for grpc-java: {@link
 * io.switchboard.msgpack.MessagePackMarshaller} is the entry point, {@link
 * io.switchboard.msgpack.MessagePackSettings} holds its limits, {@link
 * io.switchboard.msgpack.MessagePackCodec} and {@link io.switchboard.msgpack.CodecRegistry} plug in
 * hand-written codecs. Services bound with core's {@link io.switchboard.core.ServiceBinder} answer
 * a malformed request with the marshaller's status (see {@link
 * io.switchboard.core.RequestParseErrors}). The bytes are specified in the module's {@code
 * WIRE-FORMAT.md}. Classes not public here are implementation.
 */
package io.switchboard.msgpack;
