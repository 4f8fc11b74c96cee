/**
 * The canonical JSON mapping of Switchboard's MessagePack messages: {@link
 * io.switchboard.msgpack.json.JsonTranscoder} reads a JSON document into a message's MessagePack
 * bytes and writes a message's bytes as JSON, by the message's {@link
 * io.switchboard.msgpack.schema.Schema} (or without one, for map-shaped messages), with {@link
 * io.switchboard.msgpack.json.JsonSettings}' limits. The mapping is specified in
 * marshaller-msgpack's {@code WIRE-FORMAT.md}.
 *
 * <h2>How to use it from a gateway</h2>
 *
 * <p>Learn each backend's schemas once through the reflection service (the backend opts in with
 * {@code server.addService(SchemaReflection.newService())}), make a transcoder per method and
 * direction, then transcode every message on its own, so streams stay streams:
 *
 * <pre>{@code
 * // Once per backend (and again when it is redeployed): its methods and schemas.
 * SchemaReflectionClient reflection = SchemaReflectionClient.create(backendChannel);
 * ServiceSchema users = reflection.describeService("demo.UserService").get(5, SECONDS);
 * MethodSchema getUser = users.method("GetUser");     // or by full name "demo.UserService/GetUser"
 * JsonSettings limits = JsonSettings.defaults();        // or your body/depth/string limits
 * JsonTranscoder requests = JsonTranscoder.forRequests(getUser, limits);
 * JsonTranscoder responses = JsonTranscoder.forResponses(getUser, limits);
 *
 * // Per request message: JSON body bytes in, MessagePack bytes to send to the backend.
 * byte[] msgpack = requests.toMessagePack(jsonBody);   // INVALID_ARGUMENT status on bad JSON
 *
 * // Per response message (each message of a server stream on its own): MessagePack to JSON.
 * byte[] json = responses.toJson(responseBytes);       // or toJson(bytes, off, len, outputStream)
 * }</pre>
 *
 * <p>Transcoders are immutable and thread-safe: cache them by full method name. A method that
 * publishes no schema (its marshaller is not MessagePack's) gets a schemaless transcoder, right for
 * map-shaped messages. Failures are {@code StatusRuntimeException}s with {@code INVALID_ARGUMENT}
 * naming the type, the JSON path and (reading JSON) the line and column; a gateway answers a bad
 * request body with it, and a backend response that does not transcode with {@code INTERNAL}.
 */
@ExperimentalApi("the JSON mapping may still change before 1.0")
package io.switchboard.msgpack.json;

import io.switchboard.core.ExperimentalApi;
