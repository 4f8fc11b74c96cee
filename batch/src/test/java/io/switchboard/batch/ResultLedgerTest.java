package io.switchboard.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The result ledger on its own: exactly once, input order, copies, counts, progress. */
class ResultLedgerTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void aCollectionsResultsAreKeptInInputOrderWhateverTheDeliveryOrder() {
    List<String> inputs = List.of("a", "b", "c");
    ResultLedger<String, String> ledger = ResultLedger.collecting(inputs, Duplicates.none());
    ledger.deliver(List.of(ItemResult.failed(2, "c", Status.NOT_FOUND, 1, 1)), 0);
    ledger.deliver(
        List.of(
            ItemResult.succeeded(0, "a", "A", 1, 0),
            ItemResult.notAttempted(1, "b", Status.CANCELLED)),
        0);
    assertThat(ledger.done()).isEqualTo(3);
    BatchSummary summary = ledger.summarize(5 * MS);
    assertThat(summary.succeeded()).isEqualTo(1);
    assertThat(summary.failed()).isEqualTo(1);
    assertThat(summary.notAttempted()).isEqualTo(1);
    assertThat(summary.failuresByCode()).isEqualTo(Map.of(Status.Code.NOT_FOUND, 1L));
    assertThat(summary.elapsed().toMillis()).isEqualTo(5);
    @SuppressWarnings("unchecked")
    BatchResult<String, String> result = (BatchResult<String, String>) ledger.result(summary);
    assertThat(result.items()).extracting(ItemResult::input).containsExactly("a", "b", "c");
    assertThat(result.summary()).isSameAs(summary);
  }

  @Test
  void anItemReportedTwiceOrNeverIsABugThatShows() {
    ResultLedger<String, String> ledger =
        ResultLedger.collecting(List.of("a", "b"), Duplicates.none());
    ledger.deliver(List.of(ItemResult.succeeded(0, "a", "A", 1, 0)), 0);
    assertThatThrownBy(() -> ledger.deliver(List.of(ItemResult.succeeded(0, "a", "A", 2, 0)), 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("item 0 reported twice");
    BatchSummary summary = ledger.summarize(0);
    assertThatThrownBy(() -> ledger.result(summary))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("item 1 was never reported");
  }

  @Test
  void eachCopyOfADuplicateGetsTheSentInputsOutcomeAtItsOwnIndex() {
    List<Long> inputs = List.of(7L, 8L, 7L, 7L);
    ResultLedger<Long, Long> ledger = ResultLedger.collecting(inputs, Duplicates.of(inputs));
    ledger.deliver(
        List.of(
            ItemResult.succeeded(0, 7L, 14L, 1, 0),
            ItemResult.failed(1, 8L, Status.NOT_FOUND, 1, 0)),
        0);
    @SuppressWarnings("unchecked")
    BatchResult<Long, Long> result = (BatchResult<Long, Long>) ledger.result(ledger.summarize(0));
    assertThat(result.items())
        .extracting(ItemResult::index, ItemResult::isSuccess)
        .containsExactly(tuple(0L, true), tuple(1L, false), tuple(2L, true), tuple(3L, true));
    assertThat(result.item(3).output()).isEqualTo(14L);
    assertThat(result.succeededCount()).isEqualTo(3);
  }

  @Test
  void aStreamingLedgerHandsEachResultOnAndKeepsOnlyCounts() {
    List<ItemResult<Long, Long>> seen = new ArrayList<>();
    ResultLedger<Long, Long> ledger =
        ResultLedger.streaming(
            r -> {
              seen.add(r);
              throw new AssertionError("a listener bug changes nothing");
            });
    ledger.deliver(
        List.of(ItemResult.succeeded(0, 1L, 1L, 1, 0), ItemResult.succeeded(1, 2L, 2L, 1, 0)), 0);
    ledger.deliver(List.of(ItemResult.failed(2, 3L, Status.INTERNAL, 1, 1)), 0);
    assertThat(seen).extracting(ItemResult::index).containsExactly(0L, 1L, 2L);
    BatchSummary summary = ledger.summarize(0);
    assertThat(ledger.result(summary)).isSameAs(summary);
    assertThat(summary.total()).isEqualTo(3);
  }

  @Test
  void progressIsReportedAtMostEveryIntervalAndOnceAtTheEnd() {
    Limiter limiter = Concurrency.fixed(4).newLimiter();
    limiter.tryAcquire();
    List<BatchProgress> progress = new ArrayList<>();
    ResultLedger<Long, Long> ledger =
        ResultLedger.<Long, Long>streaming(r -> {}).reportingProgress(progress::add, limiter, 0);
    ledger.deliver(List.of(ItemResult.succeeded(0, 1L, 1L, 1, 0)), 1 * MS);
    assertThat(progress).as("within the interval").isEmpty();
    ledger.deliver(List.of(ItemResult.succeeded(1, 2L, 2L, 1, 0)), 20 * MS);
    assertThat(progress).containsExactly(new BatchProgress(-1, 2, 2, 0, 0, 1, 4));
    ledger.deliver(List.of(ItemResult.notAttempted(2, 3L, Status.CANCELLED)), 21 * MS);
    assertThat(progress).hasSize(1);
    limiter.release();
    ledger.summarize(22 * MS);
    assertThat(progress).hasSize(2).last().isEqualTo(new BatchProgress(-1, 3, 2, 0, 1, 0, 4));
  }
}
