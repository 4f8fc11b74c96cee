package io.switchboard.examples.logs;

/**
 * A subscription request on {@code StreamLogs}: where to start and what to keep. Each request on
 * the stream replaces the previous subscription.
 *
 * @param fromSequence the first sequence to send (history first, then live); 0 for live only
 * @param minLevel the least important level to send
 * @param service only lines of this service, or "" for all
 */
public record LogRequest(long fromSequence, LogLevel minLevel, String service) {}
