package io.switchboard.batch;

/**
 * Opens, commits and rolls back one unit of work (a database transaction) for an all-or-nothing
 * {@link BatchHandler}. For JDBC, {@code T} is usually a {@link java.sql.Connection} with
 * auto-commit off, closed by {@code commit} and {@code rollback}.
 *
 * @param <T> the transaction handle
 */
public interface Transactor<T> {
  /**
   * Begins a transaction.
   *
   * @throws Exception if none can be begun: every item of the batch fails with the mapped status
   */
  T begin() throws Exception;

  /**
   * Commits the transaction and releases it.
   *
   * @throws Exception if the commit fails: every item fails with the mapped status (and {@link
   *     #rollback} is called)
   */
  void commit(T transaction) throws Exception;

  /**
   * Rolls the transaction back and releases it. Called after an item failed, or a commit failed.
   *
   * @throws Exception logged; the items keep the failure that caused the rollback
   */
  void rollback(T transaction) throws Exception;
}
