package io.switchboard.stream;

import java.time.Instant;

/**
 * A snapshot of one server stream tracked by a {@link StreamRegistry}.
 *
 * @param id the registry's id for the stream, unique within the registry
 * @param method the full method name, e.g. {@code demo.LogStreamService/StreamLogs}
 * @param peer the client's address as grpc reports it, or {@code "unknown"}
 * @param state where the stream is in its life
 * @param started when the call started
 * @param lastActivity when a message last went in or out (the call's start before any)
 * @param messagesIn messages received from the client
 * @param messagesOut messages sent to the client
 * @param bytesIn wire bytes received, or -1 when the registry's {@link
 *     StreamRegistry#streamTracerFactory() tracer factory} is not installed on the server
 * @param bytesOut wire bytes sent, or -1 likewise
 * @param buffered messages waiting in the stream's {@link FlowControlledSender}, 0 if it has none
 */
public record StreamInfo(
    long id,
    String method,
    String peer,
    StreamState state,
    Instant started,
    Instant lastActivity,
    long messagesIn,
    long messagesOut,
    long bytesIn,
    long bytesOut,
    int buffered) {}
