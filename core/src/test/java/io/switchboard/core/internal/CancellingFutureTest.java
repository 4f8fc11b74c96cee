package io.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class CancellingFutureTest {
  private final List<Throwable> actions = new ArrayList<>();
  private final List<String> kinds = new ArrayList<>();
  private final CancellingFuture<String> future =
      new CancellingFuture<>(
          how -> {
            actions.add(how);
            kinds.add(how == null ? "value" : how.getClass().getSimpleName());
          });

  @Test
  void completionByTheSourceRunsNoAction() {
    assertThat(future.completeFromSource("done")).isTrue();
    assertThat(future.cancel(true)).isFalse();
    assertThat(future.complete("other")).isFalse();
    assertThat(future.join()).isEqualTo("done");
    assertThat(actions).isEmpty();
  }

  @Test
  void failureBySourceRunsNoAction() {
    IllegalStateException failure = new IllegalStateException("boom");
    assertThat(future.failFromSource(failure)).isTrue();
    assertThat(future.completeExceptionally(new RuntimeException())).isFalse();
    assertThat(future).isCompletedExceptionally();
    assertThat(actions).isEmpty();
  }

  @Test
  void cancelRunsTheActionOnceWithACancellation() {
    assertThat(future.cancel(false)).isTrue();
    assertThat(future.cancel(false)).as("CompletableFuture says true again").isTrue();
    assertThat(future.complete("late")).isFalse();
    assertThat(future.completeFromSource("late")).isFalse();
    assertThat(future).isCancelled();
    assertThat(kinds).containsExactly("CancellationException");
    assertThat(actions.get(0)).isInstanceOf(CancellationException.class);
  }

  @Test
  void completeFromOutsideRunsTheActionWithNull() {
    assertThat(future.complete("mine")).isTrue();
    assertThat(future.join()).isEqualTo("mine");
    assertThat(kinds).containsExactly("value");
  }

  @Test
  void completeExceptionallyFromOutsideRunsTheActionWithTheFailure() {
    IllegalStateException failure = new IllegalStateException("give up");
    assertThat(future.completeExceptionally(failure)).isTrue();
    assertThat(actions).containsExactly(failure);
  }

  @Test
  void orTimeoutReachesTheAction() throws Exception {
    CompletableFuture<Throwable> action = new CompletableFuture<>();
    CancellingFuture<String> timed = new CancellingFuture<>(action::complete);
    timed.orTimeout(1, TimeUnit.MILLISECONDS);
    assertThat(action.get(10, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
  }

  @Test
  void derivedFuturesDoNotReachTheSource() {
    CompletableFuture<Integer> derived = future.thenApply(String::length);
    assertThat(derived.cancel(true)).isTrue();
    assertThat(future).isNotDone();
    assertThat(actions).isEmpty();
  }
}
