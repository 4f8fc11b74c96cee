package io.switchboard.examples.logs;

/** How important a log line is; the order is the priority a lossy stream keeps by. */
public enum LogLevel {
  DEBUG,
  INFO,
  WARN,
  ERROR
}
