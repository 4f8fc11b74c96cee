package io.switchboard.examples.batch;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.switchboard.batch.BatchExecutor;
import io.switchboard.batch.BatchResult;
import io.switchboard.batch.BatchSettings;
import io.switchboard.batch.ItemResult;
import io.switchboard.batch.RetrySettings;
import io.switchboard.core.RpcClient;
import io.switchboard.examples.Console;
import io.switchboard.examples.DemoContext;
import io.switchboard.examples.users.User;
import io.switchboard.examples.users.UserBatchApi;
import io.switchboard.examples.users.UserBatchApi.BatchGetUsersRequest;
import io.switchboard.examples.users.UserBatchApi.BatchUpdateUsersRequest;
import io.switchboard.examples.users.UserBatchApi.UserResult;
import io.switchboard.examples.users.UserBatchApi.UserUpdate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Batch: 10,000 ids fetched in bounded batches through {@link BatchExecutor} (some ids missing,
 * some rows corrupt, some calls failing on the way and retried), with every item accounted for;
 * then an all-or-nothing update that leaves the database unchanged when one item fails.
 */
public final class BatchDemo {
  /** Share of BatchGetUsers calls the demo fails on purpose, as a flaky network would. */
  private static final double CALL_FAILURE_RATE = 0.15;

  private BatchDemo() {}

  /** Runs the section against the demo's user server. */
  public static void run(DemoContext ctx) {
    Console out = ctx.out();
    out.section("Batch: 10,000 ids in bounded batches, every item accounted for");
    fetchTenThousand(ctx, out);
    allOrNothingUpdate(ctx, out);
  }

  private static void fetchTenThousand(DemoContext ctx, Console out) {
    RpcClient client =
        RpcClient.create(ctx.usersChannel())
            .withTimeout(Duration.ofSeconds(5))
            .withInterceptors(flaky(CALL_FAILURE_RATE, new Random(5)));
    BatchSettings settings =
        BatchSettings.newBuilder()
            .batchSize(100)
            .maxInFlight(8)
            .retry(
                RetrySettings.newBuilder()
                    .maxAttempts(3)
                    .initialBackoff(Duration.ofMillis(10))
                    .maxBackoff(Duration.ofMillis(100))
                    .build())
            .deadline(Duration.ofSeconds(30))
            .build();
    List<Long> ids = new ArrayList<>(10_000);
    for (long id = 101; id <= 10_100; id++) {
      ids.add(id); // users 1..10,000 exist: the last 100 ids are missing
    }
    out.say(
        "BatchGetUsers over ids 101..10,100: batches of %d, %d in flight, %d attempts on"
            + " UNAVAILABLE; %.0f%% of calls fail on purpose",
        settings.batchSize(),
        settings.concurrency().max(),
        settings.retry().maxAttempts(),
        CALL_FAILURE_RATE * 100);
    BatchResult<Long, User> result;
    try (BatchExecutor<Long, User> users =
        BatchExecutor.perBatch(
            // The RPC's own future, so that stopping the run cancels the RPC; converted here.
            batch -> client.unary(UserBatchApi.BATCH_GET_USERS, new BatchGetUsersRequest(batch)),
            response -> UserBatchApi.toBatchReply(response.results()),
            settings)) {
      result = users.execute(ids, p -> out.progress("fetching", p.done(), p.total())).join();
    }
    report(out, result);
  }

  private static void report(Console out, BatchResult<Long, User> result) {
    long batches = result.items().stream().mapToLong(ItemResult::batchIndex).max().orElse(-1) + 1;
    out.ok(
        "%,d items in %d ms: each exactly once, in input order",
        result.total(), result.elapsed().toMillis());
    out.field("succeeded", String.format("%,6d", result.succeededCount()));
    result
        .failuresByCode()
        .forEach(
            (code, count) ->
                out.field("failed " + code, String.format("%,6d  %s", count, meaning(code))));
    out.field("not attempted", String.format("%,6d", result.notAttemptedCount()));
    out.field(
        "retried, then ok",
        String.format(
            "%,6d  items (their batch failed first)",
            result.successes().stream().filter(i -> i.attempts() > 1).count()));
    out.field("batches", String.format("%,6d  of up to 100 ids", batches));
    Map<Status.Code, ItemResult<Long, User>> firstOfEach = new LinkedHashMap<>();
    for (ItemResult<Long, User> item : result.failures()) {
      firstOfEach.putIfAbsent(item.status().getCode(), item);
    }
    out.say("a sample failure of each kind (index, id, status, attempts, batch):");
    firstOfEach.values().forEach(item -> out.expected("%s", item));
    ItemResult<Long, User> first = result.item(0);
    out.say("and the first success: %s", first);
  }

  private static String meaning(Status.Code code) {
    return switch (code) {
      case NOT_FOUND -> "ids with no user";
      case INTERNAL -> "corrupt rows, reported per item";
      case UNAVAILABLE -> "calls that failed all their attempts";
      default -> "";
    };
  }

  private static void allOrNothingUpdate(DemoContext ctx, Console out) {
    out.say("");
    out.say("BatchUpdateUsers: all or nothing, in one database transaction");
    RpcClient client = RpcClient.create(ctx.usersChannel()).withTimeout(Duration.ofSeconds(5));
    User before1 = ctx.users().find(1).orElseThrow();
    User before2 = ctx.users().find(2).orElseThrow();
    List<UserUpdate> withAMissingUser =
        List.of(
            new UserUpdate(1, "ada@example.org", false),
            new UserUpdate(2, "grace@example.org", false),
            new UserUpdate(777_777, "nobody@example.org", true));
    List<UserResult> failed =
        client
            .unary(UserBatchApi.BATCH_UPDATE_USERS, new BatchUpdateUsersRequest(withAMissingUser))
            .join()
            .results();
    for (UserResult r : failed) {
      out.expected(
          "update of user %d → %s: %s",
          r.id(), Status.fromCodeValue(r.code()).getCode(), r.description());
    }
    boolean unchanged =
        ctx.users().find(1).orElseThrow().equals(before1)
            && ctx.users().find(2).orElseThrow().equals(before2);
    if (unchanged) {
      out.ok(
          "the database is unchanged: user 1 is still <%s>, user 2 <%s>",
          before1.email(), before2.email());
    } else {
      out.expected("the database changed: the transaction leaked!");
    }
    List<UserResult> applied =
        client
            .unary(
                UserBatchApi.BATCH_UPDATE_USERS,
                new BatchUpdateUsersRequest(withAMissingUser.subList(0, 2)))
            .join()
            .results();
    out.ok(
        "without the missing user, both updates commit: user 1 is now <%s>, user 2 <%s>",
        applied.get(0).user().map(User::email).orElse("?"),
        ctx.users().find(2).map(User::email).orElse("?"));
  }

  /** Fails a share of BatchGetUsers calls with UNAVAILABLE before they leave, like a bad link. */
  private static ClientInterceptor flaky(double rate, Random random) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        boolean fail;
        synchronized (random) {
          fail = random.nextDouble() < rate;
        }
        if (!fail
            || !method.getFullMethodName().equals(UserBatchApi.BATCH_GET_USERS.fullMethodName())) {
          return next.newCall(method, options);
        }
        return new ClientCall<>() {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            listener.onClose(
                Status.UNAVAILABLE.withDescription("connection reset (injected by the demo)"),
                new Metadata());
          }

          @Override
          public void request(int count) {}

          @Override
          public void cancel(String message, Throwable cause) {}

          @Override
          public void halfClose() {}

          @Override
          public void sendMessage(Q message) {}
        };
      }
    };
  }
}
