package io.switchboard.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Input reading on its own: batching, numbering, de-duplication, iterator failures. */
class InputReaderTest {
  private static <I> List<Batch<I, Object>> readAll(InputReader<I> reader) {
    List<Batch<I, Object>> batches = new ArrayList<>();
    for (Batch<I, Object> b = reader.next(); b != null; b = reader.next()) {
      batches.add(b);
    }
    return batches;
  }

  @Test
  void aListIsCutIntoNumberedBatchesOfAtMostTheSize() {
    InputReader<String> reader =
        InputReader.of(List.of("a", "b", "c", "d", "e"), 2, Duplicates.none());
    assertThat(reader.isDone()).isFalse();
    List<Batch<String, Object>> batches = readAll(reader);
    assertThat(batches).extracting(Batch::index).containsExactly(0L, 1L, 2L);
    assertThat(batches)
        .extracting(Batch::inputList)
        .containsExactly(List.of("a", "b"), List.of("c", "d"), List.of("e"));
    assertThat(batches.get(2).indices()).containsExactly(4L);
    assertThat(batches).allMatch(b -> b.state() == Batch.State.QUEUED && b.attempts() == 0);
    assertThat(reader.isDone()).isTrue();
    assertThat(reader.failure()).isEmpty();
    assertThat(readAll(InputReader.of(List.of(), 3, Duplicates.none()))).isEmpty();
  }

  @Test
  void duplicatesAreSkippedAndTheirCopiesFound() {
    List<Long> inputs = List.of(7L, 8L, 7L, 9L, 8L, 7L);
    Duplicates duplicates = Duplicates.of(inputs);
    List<Batch<Long, Object>> batches = readAll(InputReader.of(inputs, 2, duplicates));
    assertThat(batches).extracting(Batch::inputList).containsExactly(List.of(7L, 8L), List.of(9L));
    assertThat(batches.get(1).indices()).containsExactly(3L);
    assertThat(duplicates.nextCopy(0)).isEqualTo(2);
    assertThat(duplicates.nextCopy(2)).isEqualTo(5);
    assertThat(duplicates.nextCopy(5)).isEqualTo(-1);
    assertThat(duplicates.nextCopy(1)).isEqualTo(4);
    assertThat(duplicates.isDuplicate(4)).isTrue();
    assertThat(duplicates.isDuplicate(3)).isFalse();
    assertThat(Duplicates.none().isDuplicate(0)).isFalse();
    assertThat(Duplicates.none().nextCopy(0)).isEqualTo(-1);
  }

  @Test
  void anIteratorIsReadOneBatchAtATime() {
    AtomicInteger read = new AtomicInteger();
    Iterator<Integer> counting =
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            return read.get() < 10;
          }

          @Override
          public Integer next() {
            return read.incrementAndGet();
          }
        };
    InputReader<Integer> reader = InputReader.of(counting, 3);
    Batch<Integer, Object> first = reader.next();
    assertThat(first.inputList()).containsExactly(1, 2, 3);
    assertThat(read).as("no more than one batch read ahead").hasValue(3);
    List<Batch<Integer, Object>> rest = readAll(reader);
    assertThat(rest).extracting(Batch::size).containsExactly(3, 3, 1);
    assertThat(rest.get(2).indices()).containsExactly(9L);
    assertThat(reader.failure()).isEmpty();
  }

  @Test
  void aNullOrAThrowingIteratorEndsTheReadingWithAFailure() {
    List<Long> withNull = new ArrayList<>(List.of(1L, 2L, 3L));
    withNull.add(null);
    withNull.add(5L);
    InputReader<Long> nulls = InputReader.of(withNull.iterator(), 2);
    assertThat(readAll(nulls))
        .extracting(Batch::inputList)
        .containsExactly(List.of(1L, 2L), List.of(3L));
    assertThat(nulls.isDone()).isTrue();
    assertThat(nulls.failure())
        .get()
        .isInstanceOf(NullPointerException.class)
        .extracting(Throwable::getMessage)
        .isEqualTo("inputs: item 3 from the iterator is null (expected: non-null)");

    Iterator<Long> throwing =
        new Iterator<>() {
          long n;

          @Override
          public boolean hasNext() {
            return true;
          }

          @Override
          public Long next() {
            if (n == 2) {
              throw new IllegalStateException("source gone");
            }
            return n++;
          }
        };
    InputReader<Long> failing = InputReader.of(throwing, 5);
    assertThat(readAll(failing)).extracting(Batch::size).containsExactly(2);
    assertThat(failing.failure())
        .get()
        .isInstanceOf(IllegalStateException.class)
        .satisfies(
            e -> {
              assertThat(e.getMessage())
                  .isEqualTo(
                      "inputs: the iterator threw after 2 items (those were processed and"
                          + " reported)");
              assertThat(e.getCause()).hasMessage("source gone");
            });
  }
}
