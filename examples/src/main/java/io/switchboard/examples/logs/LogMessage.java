package io.switchboard.examples.logs;

/**
 * What {@code StreamLogs} sends: a log line with its sequence, or a checkpoint ("everything up to
 * this sequence was looked at and filtered out"), from which a client can resume.
 */
public record LogMessage(Kind kind, long sequence, String service, LogLevel level, String text) {
  /** The two kinds of message. */
  public enum Kind {
    LINE,
    CHECKPOINT
  }

  static LogMessage line(long sequence, LogLine line) {
    return new LogMessage(Kind.LINE, sequence, line.service(), line.level(), line.text());
  }

  static LogMessage checkpoint(long sequence) {
    return new LogMessage(Kind.CHECKPOINT, sequence, "", LogLevel.DEBUG, "");
  }
}
