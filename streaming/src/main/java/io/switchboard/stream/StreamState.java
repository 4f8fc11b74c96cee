package io.switchboard.stream;

/** Where a server stream tracked by a {@link StreamRegistry} is in its life. */
public enum StreamState {
  /** Messages may flow both ways. */
  OPEN,
  /** The client has finished sending; the server may still send. */
  HALF_CLOSED,
  /** The server closed the call with {@code OK}. */
  COMPLETED,
  /** The server closed the call with an error status. */
  FAILED,
  /**
   * The call ended before the server closed it: the client cancelled, its deadline passed, the
   * connection was lost, or the idle reaper closed it.
   */
  CANCELLED;

  /** Returns true for the three final states. */
  public boolean isTerminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
