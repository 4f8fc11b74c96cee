package io.switchboard.stream;

import io.grpc.Context;
import java.util.function.IntSupplier;

/**
 * How many messages wait in a call's {@link FlowControlledSender}, for whoever tracks the call: a
 * slot the tracker (a {@link StreamRegistry}) puts into the call's grpc {@link Context} and a
 * sender created in that context fills. Neither knows the other; both know this seam.
 */
final class BufferGauge {
  /** The gauge of the call whose handler runs on this thread, if a tracker installed one. */
  static final Context.Key<BufferGauge> KEY = Context.key("switchboard-stream-buffer-gauge");

  private volatile IntSupplier source;

  /**
   * Reports {@code buffered} to the gauge of the current call, if it has one; otherwise nothing.
   */
  static void report(IntSupplier buffered) {
    BufferGauge gauge = KEY.get();
    if (gauge != null) {
      gauge.source = buffered;
    }
  }

  /** Returns the messages waiting now, 0 if no sender reported (or its count failed). */
  int read() {
    IntSupplier s = source;
    if (s == null) {
      return 0;
    }
    try {
      return s.getAsInt();
    } catch (RuntimeException e) {
      return 0;
    }
  }
}
