package io.switchboard.batch;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which inputs of a collection equal an earlier one (by {@code equals}), for de-duplication: the
 * {@link InputReader} skips them, and the {@link ResultLedger} reports each of them with the
 * outcome of the first copy, which alone is sent. Immutable once built.
 */
final class Duplicates {
  private static final Duplicates NONE = new Duplicates(new boolean[0], new int[0]);

  private final boolean[] duplicate;
  private final int[] nextCopy;

  private Duplicates(boolean[] duplicate, int[] nextCopy) {
    this.duplicate = duplicate;
    this.nextCopy = nextCopy;
  }

  /** Returns the absence of de-duplication: no input is a duplicate. */
  static Duplicates none() {
    return NONE;
  }

  /** Finds the equal inputs of a list (one hash map entry per distinct input while building). */
  static Duplicates of(List<?> inputs) {
    int n = inputs.size();
    boolean[] duplicate = new boolean[n];
    int[] nextCopy = new int[n];
    Arrays.fill(nextCopy, -1);
    Map<Object, Integer> last = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Integer previous = last.put(inputs.get(i), i);
      if (previous != null) {
        duplicate[i] = true;
        nextCopy[previous] = i;
      }
    }
    return new Duplicates(duplicate, nextCopy);
  }

  /** Returns true if input {@code index} equals an earlier input (and so is not sent). */
  boolean isDuplicate(long index) {
    return index < duplicate.length && duplicate[(int) index];
  }

  /** Returns the index of the next input equal to input {@code index}, or -1 if none follows. */
  int nextCopy(long index) {
    return index < nextCopy.length ? nextCopy[(int) index] : -1;
  }
}
