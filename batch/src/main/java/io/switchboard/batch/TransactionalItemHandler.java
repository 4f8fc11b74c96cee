package io.switchboard.batch;

/**
 * The server-side work for one item of an all-or-nothing batch, inside the batch's transaction.
 *
 * @param <T> the transaction handle from the {@link Transactor}
 * @param <I> the item type
 * @param <O> the output type
 */
@FunctionalInterface
public interface TransactionalItemHandler<T, I, O> {
  /**
   * Handles one item in the batch's transaction. Items run one after another, in order, on one
   * thread.
   *
   * @param transaction the batch's transaction
   * @param item the item, never null
   * @return the item's output
   * @throws Exception the item's failure: the transaction is rolled back and the whole batch fails
   */
  O handle(T transaction, I item) throws Exception;
}
