package io.switchboard.msgpack.json;

/**
 * A failure to transcode, with the path to the value where it happened ({@code $.items[2].name}),
 * built as the nodes unwind. No stack trace: it is thrown on bad input, which must stay cheap.
 */
final class TranscodeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final StringBuilder path = new StringBuilder();

  TranscodeException(String problem) {
    super(problem, null, false, false);
  }

  /** Prepends a field name to the path. */
  TranscodeException atField(String name) {
    path.insert(0, "." + name);
    return this;
  }

  /** Prepends an array position to the path. */
  TranscodeException atIndex(int i) {
    path.insert(0, "[" + i + "]");
    return this;
  }

  /** Prepends a map key to the path. */
  TranscodeException atKey(String key) {
    String shown = key.length() > 64 ? key.substring(0, 64) + "..." : key;
    path.insert(0, "[\"" + shown + "\"]");
    return this;
  }

  /** Returns the path from the message's root, e.g. {@code $.items[2].name}. */
  String path() {
    return "$" + path;
  }

  /** Returns the problem, without the path. */
  String problem() {
    return getMessage();
  }
}
