package io.switchboard.batch;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The reply to one batch call: for each item of the batch, in the batch's order, either its output
 * or the {@link Status} it failed with. The per-batch call function of a {@link BatchExecutor}
 * returns one (usually made from the RPC's response message), and a {@link BatchHandler} produces
 * one on the server. Immutable.
 *
 * <pre>{@code
 * BatchReply.Builder<User> reply = BatchReply.newBuilder();
 * for (UserOrError r : response.results()) {
 *   if (r.user() != null) reply.success(r.user());
 *   else reply.failure(Status.fromCodeValue(r.code()).withDescription(r.error()));
 * }
 * return reply.build();
 * }</pre>
 *
 * @param <O> the output type
 */
public final class BatchReply<O> {
  private final Object[] outputs;
  private final Status[] statuses;

  private BatchReply(Object[] outputs, Status[] statuses) {
    this.outputs = outputs;
    this.statuses = statuses;
  }

  /**
   * Returns a reply in which every item succeeded with the given outputs, in order.
   *
   * @throws NullPointerException if the list is null
   */
  public static <O> BatchReply<O> of(List<? extends O> outputs) {
    Objects.requireNonNull(outputs, "outputs");
    Builder<O> b = new Builder<>();
    for (O output : outputs) {
      b.success(output);
    }
    return b.build();
  }

  /** Returns a builder that appends items in order. */
  public static <O> Builder<O> newBuilder() {
    return new Builder<>();
  }

  /**
   * Returns a builder that appends items in order.
   *
   * @deprecated use {@link #newBuilder()}, the name every Switchboard builder has
   */
  @Deprecated
  public static <O> Builder<O> builder() {
    return newBuilder();
  }

  /** Returns the number of items. */
  public int size() {
    return outputs.length;
  }

  /**
   * Returns true if item {@code i} succeeded.
   *
   * @throws IndexOutOfBoundsException if {@code i} is outside 0..size()-1
   */
  public boolean isSuccess(int i) {
    return statuses[Objects.checkIndex(i, statuses.length)].isOk();
  }

  /**
   * Returns item {@code i}'s output (may be null).
   *
   * @throws IndexOutOfBoundsException if {@code i} is outside 0..size()-1
   * @throws IllegalStateException if the item failed
   */
  @SuppressWarnings("unchecked")
  public O output(int i) {
    if (!isSuccess(i)) {
      throw new IllegalStateException(
          "item " + i + " failed: " + Statuses.describe(statuses[i]) + " (expected: a success)");
    }
    return (O) outputs[i];
  }

  /**
   * Returns item {@code i}'s status: {@link Status#OK} for a success.
   *
   * @throws IndexOutOfBoundsException if {@code i} is outside 0..size()-1
   */
  public Status status(int i) {
    return statuses[Objects.checkIndex(i, statuses.length)];
  }

  /** Returns the number of items that failed. */
  public int failureCount() {
    int n = 0;
    for (Status s : statuses) {
      if (!s.isOk()) {
        n++;
      }
    }
    return n;
  }

  @Override
  public String toString() {
    return "BatchReply{" + size() + " items, " + failureCount() + " failed}";
  }

  /** Appends items to a {@link BatchReply}. Not thread-safe. */
  public static final class Builder<O> {
    private final List<Object> outputs = new ArrayList<>();
    private final List<Status> statuses = new ArrayList<>();

    private Builder() {}

    /** Appends an item that succeeded with the given output (null allowed). */
    public Builder<O> success(O output) {
      outputs.add(output);
      statuses.add(Status.OK);
      return this;
    }

    /**
     * Appends an item that failed with the given status.
     *
     * @throws NullPointerException if the status is null
     * @throws IllegalArgumentException if the status is OK
     */
    public Builder<O> failure(Status status) {
      Objects.requireNonNull(status, "status");
      if (status.isOk()) {
        throw new IllegalArgumentException(
            "status: OK (expected: a failure status; use success(output) for a success)");
      }
      outputs.add(null);
      statuses.add(status);
      return this;
    }

    /** Returns the reply. */
    public BatchReply<O> build() {
      return new BatchReply<>(outputs.toArray(), statuses.toArray(new Status[0]));
    }
  }
}
