package io.switchboard.cli;

/** A failure the CLI reports as one line, with the exit code it stands for. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  /** Returns a usage or input error: nothing was sent. */
  static CliException usage(String message) {
    return new CliException(SwitchboardCli.USAGE, message);
  }

  int exitCode() {
    return exitCode;
  }
}
