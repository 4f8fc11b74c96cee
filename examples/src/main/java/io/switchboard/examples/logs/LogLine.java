package io.switchboard.examples.logs;

/** One log line as the application writes it: the event stored in the log. */
public record LogLine(String service, LogLevel level, String text) {}
