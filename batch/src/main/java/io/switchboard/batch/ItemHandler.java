package io.switchboard.batch;

/**
 * The server-side work for one item of a batch, run by a {@link BatchHandler} on its worker pool.
 *
 * @param <I> the item type
 * @param <O> the output type
 */
@FunctionalInterface
public interface ItemHandler<I, O> {
  /**
   * Handles one item.
   *
   * @param item the item, never null
   * @return the item's output
   * @throws Exception the item's failure: mapped to its status by the handler's {@link
   *     io.switchboard.core.ErrorMapper} (a {@code StatusRuntimeException} keeps its status, an
   *     {@code IllegalArgumentException} becomes {@code INVALID_ARGUMENT}); other items go on
   */
  O handle(I item) throws Exception;
}
