package io.switchboard.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.grpc.Status;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The outcome classification on its own: an answer in, each item's fate out. */
class AttemptOutcomeTest {
  private static final Predicate<Status.Code> NEVER = code -> false;
  private static final Predicate<Status.Code> UNAVAILABLE_ONLY =
      code -> code == Status.Code.UNAVAILABLE;

  private static Batch<Long, String> running(Long... inputs) {
    long[] indices = new long[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      indices[i] = 100 + i;
    }
    Batch<Long, String> b = new Batch<>(7, indices, inputs);
    b.begin(0);
    return b;
  }

  @Test
  void aPerItemValueIsTheItemsOutput() {
    AttemptOutcome<Long, String> o =
        AttemptOutcome.classify(running(1L), 2, "one", null, false, UNAVAILABLE_ONLY);
    assertThat(o.retries()).isFalse();
    assertThat(o.sample()).isEqualTo(Status.Code.OK);
    assertThat(o.firstFailure()).isNull();
    assertThat(o.finals()).singleElement().isEqualTo(ItemResult.succeeded(100, 1L, "one", 2, 7));
  }

  @Test
  void aFailedCallFailsEveryItemWithItsStatusOrRetriesThem() {
    Throwable down = Status.UNAVAILABLE.withDescription("down").asRuntimeException();
    AttemptOutcome<Long, String> retried =
        AttemptOutcome.classify(running(1L, 2L), 1, null, down, true, UNAVAILABLE_ONLY);
    assertThat(retried.finals()).isEmpty();
    assertThat(retried.retries()).isTrue();
    assertThat(retried.retryStatuses())
        .extracting(Status::getDescription)
        .containsExactly("down", "down");
    assertThat(retried.firstFailure()).as("nothing failed for good yet").isNull();
    assertThat(retried.sample()).isEqualTo(Status.Code.UNAVAILABLE);

    AttemptOutcome<Long, String> last =
        AttemptOutcome.classify(running(1L, 2L), 3, null, down, true, NEVER);
    assertThat(last.retries()).isFalse();
    assertThat(last.finals())
        .extracting(ItemResult::outcome, r -> r.status().getCode(), ItemResult::attempts)
        .containsOnly(tuple(ItemResult.Outcome.FAILED, Status.Code.UNAVAILABLE, 3));
    assertThat(last.firstFailure().index()).isEqualTo(100);

    AttemptOutcome<Long, String> thrown =
        AttemptOutcome.classify(
            running(1L), 1, null, new IllegalStateException("boom"), false, UNAVAILABLE_ONLY);
    assertThat(thrown.finals().get(0).status().getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(thrown.finals().get(0).status().getDescription())
        .contains("IllegalStateException: boom");
  }

  @Test
  void aReplyOfTheWrongSizeOrNoReplyFailsTheBatchWithInternal() {
    AttemptOutcome<Long, String> wrongSize =
        AttemptOutcome.classify(
            running(1L, 2L, 3L), 1, BatchReply.of(List.of("x")), null, true, UNAVAILABLE_ONLY);
    assertThat(wrongSize.finals())
        .hasSize(3)
        .allSatisfy(
            r -> {
              assertThat(r.status().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(r.status().getDescription())
                  .isEqualTo("the reply to batch 7 has 1 items (expected: 3, one per item sent)");
            });
    AttemptOutcome<Long, String> none =
        AttemptOutcome.classify(running(1L), 1, null, null, true, UNAVAILABLE_ONLY);
    assertThat(none.finals().get(0).status().getDescription())
        .isEqualTo("the batch call's future completed with null (expected: a BatchReply)");
  }

  @Test
  void eachItemOfAReplyHasItsOwnFateAndThePushBackCodeIsTheSample() {
    BatchReply<String> reply =
        BatchReply.<String>newBuilder()
            .success("a")
            .failure(Status.NOT_FOUND.withDescription("no 2"))
            .failure(Status.UNAVAILABLE)
            .failure(Status.RESOURCE_EXHAUSTED)
            .failure(Status.INVALID_ARGUMENT)
            .build();
    AttemptOutcome<Long, String> o =
        AttemptOutcome.classify(
            running(1L, 2L, 3L, 4L, 5L), 1, reply, null, true, UNAVAILABLE_ONLY);
    assertThat(o.finals())
        .extracting(ItemResult::input)
        .as("all but the retried one, in order")
        .containsExactly(1L, 2L, 4L, 5L);
    assertThat(o.retryStatuses()).containsExactly(null, null, Status.UNAVAILABLE, null, null);
    assertThat(o.firstFailure().status().getDescription()).isEqualTo("no 2");
    // NOT_FOUND came first, but the limiter must hear that the server pushed back (the last
    // push-back code of the batch).
    assertThat(o.sample()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);

    BatchReply<String> plain =
        BatchReply.<String>newBuilder()
            .failure(Status.NOT_FOUND)
            .failure(Status.INVALID_ARGUMENT)
            .build();
    assertThat(AttemptOutcome.classify(running(1L, 2L), 1, plain, null, true, NEVER).sample())
        .as("no push-back: the first failure's code")
        .isEqualTo(Status.Code.NOT_FOUND);
  }
}
