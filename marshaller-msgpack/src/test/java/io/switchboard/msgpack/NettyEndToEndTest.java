package io.switchboard.msgpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.msgpack.TestTypes.User;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestMarshallers;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** MessagePack messages over a real Netty server and client on loopback. */
class NettyEndToEndTest {
  private static final ServiceSpec SERVICE = ServiceSpec.named("test.Users");
  private static final MessagePackMarshaller<User> USERS = MessagePackMarshaller.of(User.class);
  private static final MethodSpec<User, User> ECHO = SERVICE.unary("Echo", USERS, USERS);
  private static final MethodSpec<User, User> CHAT = SERVICE.bidiStreaming("Chat", USERS, USERS);

  /** Generous for two busy cores; waits end as soon as the condition holds. */
  private static final long TIMEOUT_SECONDS = 30;

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private static User older(User u) {
    return new User(u.id(), u.name(), u.email(), u.age() + 1, u.active());
  }

  private TestServer startServer() {
    return grpc.nettyServer(
        ServiceBinder.forService(SERVICE)
            .unary(ECHO, NettyEndToEndTest::older)
            .bidiStreaming(
                CHAT,
                responses ->
                    new StreamObserver<User>() {
                      @Override
                      public void onNext(User value) {
                        responses.onNext(older(value));
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        responses.onCompleted();
                      }
                    })
            .build());
  }

  @Test
  void unaryCall() throws Exception {
    RpcClient client = RpcClient.create(startServer().newChannel());
    User ann = new User(1, "ann", "ann@example.com", 41, true);
    assertThat(client.unary(ECHO, ann).get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .isEqualTo(older(ann));
  }

  @Test
  void unaryCallWithGzipReadsTheDecompressedStream() throws Exception {
    RpcClient client =
        RpcClient.create(startServer().newChannel())
            .withCallOptions(CallOptions.DEFAULT.withCompression("gzip"));
    User big = new User(2, "b".repeat(5000), "e".repeat(5000), 7, false);
    assertThat(client.unary(ECHO, big).get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .isEqualTo(older(big));
  }

  @Test
  void bidiCall() throws Exception {
    RpcClient client = RpcClient.create(startServer().newChannel());
    Responses responses = new Responses();
    StreamObserver<User> requests = client.bidiStreaming(CHAT, responses);
    for (int i = 0; i < 50; i++) {
      requests.onNext(new User(i, "u" + i, "u" + i + "@example.com", i, i % 2 == 0));
    }
    requests.onCompleted();
    responses.done.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertThat(responses.received).hasSize(50);
    for (int i = 0; i < 50; i++) {
      assertThat(responses.received.get(i).age()).isEqualTo(i + 1);
    }
  }

  @Test
  void malformedRequestGetsInvalidArgumentWhileAConcurrentCallSucceeds() throws Exception {
    TestServer server = startServer();
    ManagedChannel channel = server.newChannel();
    RpcClient client = RpcClient.create(channel);

    // A well-formed bidi call in progress on the same channel and server.
    Responses good = new Responses();
    StreamObserver<User> requests = client.bidiStreaming(CHAT, good);
    requests.onNext(new User(1, "ann", "ann@example.com", 30, true));
    assertThat(good.next()).isEqualTo(new User(1, "ann", "ann@example.com", 31, true));

    // Malformed bytes sent to the same methods with a raw byte marshaller.
    byte[] wrongType = HexFormat.of().parseHex("950105a0002a"); // name given as an integer
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel, raw(ECHO.descriptor()), callOptions(), wrongType))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .contains("cannot decode", "field User.name", "wrong type");
            });
    byte[] hugeString = HexFormat.of().parseHex("9501db7fffff00616263"); // str32 of ~2 GiB
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel, raw(ECHO.descriptor()), callOptions(), hugeString))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("User.name", "maxStringBytes");
            });

    // A raw bidi call: a valid message is answered, then a truncated one ends the call.
    Responses rawResponses = new Responses();
    StreamObserver<byte[]> rawRequests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(raw(CHAT.descriptor()), callOptions()),
            new StreamObserver<byte[]>() {
              @Override
              public void onNext(byte[] value) {
                rawResponses.onNext(USERS.decode(value));
              }

              @Override
              public void onError(Throwable t) {
                rawResponses.onError(t);
              }

              @Override
              public void onCompleted() {
                rawResponses.onCompleted();
              }
            });
    rawRequests.onNext(USERS.encode(new User(9, "raw", "r@example.com", 1, false)));
    assertThat(rawResponses.next().age()).isEqualTo(2);
    rawRequests.onNext(HexFormat.of().parseHex("9501a0a0cd01")); // cut inside age
    assertThatThrownBy(() -> rawResponses.done.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StatusRuntimeException.class)
        .cause()
        .satisfies(
            e -> {
              Status status = ((StatusRuntimeException) e).getStatus();
              assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(status.getDescription()).contains("User.age", "truncated");
            });

    // The well-formed call goes on and completes; new calls still succeed.
    requests.onNext(new User(2, "bob", "bob@example.com", 40, false));
    assertThat(good.next()).isEqualTo(new User(2, "bob", "bob@example.com", 41, false));
    requests.onCompleted();
    good.done.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    User cid = new User(3, "cid", "cid@example.com", 50, true);
    assertThat(client.unary(ECHO, cid).get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .isEqualTo(older(cid));
  }

  /** Lists of small numbers: a dense message is millions of values in a few bytes each. */
  record Numbers(List<List<Integer>> lists) {}

  private static final MessagePackMarshaller<Numbers> NUMBERS =
      MessagePackMarshaller.of(Numbers.class);
  private static final MethodSpec<Numbers, Numbers> COUNT =
      SERVICE.unary("Count", NUMBERS, NUMBERS);

  @Test
  void aDenseMessageOverTheDefaultBudgetIsRefusedAndTheServerKeepsServing() throws Exception {
    TestServer server =
        grpc.nettyServer(
            ServiceBinder.forService(SERVICE)
                .unary(ECHO, NettyEndToEndTest::older)
                .unary(COUNT, n -> new Numbers(List.of(List.of(n.lists().size()))))
                .build());
    ManagedChannel channel = server.newChannel();

    // [[[0 x 1M], [0 x 1M], [0 x 1M]]]: 3 MiB, valid and within every per-collection limit, but
    // 3 * 2^20 + 4 values: over the default budget of 2^21 values per message.
    int each = MessagePackSettings.DEFAULT_MAX_COLLECTION_SIZE;
    java.io.ByteArrayOutputStream dense = new java.io.ByteArrayOutputStream(3 * each + 32);
    dense.write(0x91);
    dense.write(0x93);
    for (int list = 0; list < 3; list++) {
      dense.write(0xdd); // array32
      dense.write(java.nio.ByteBuffer.allocate(4).putInt(each).array());
      dense.write(new byte[each]); // each element the positive fixint 0
    }
    byte[] bytes = dense.toByteArray();
    assertThat(bytes.length).isLessThan(MessagePackSettings.DEFAULT_MAX_MESSAGE_BYTES);
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel, raw(COUNT.descriptor()), callOptions(), bytes))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription())
                  .startsWith("cannot decode io.switchboard.msgpack.NettyEndToEndTest$Numbers")
                  .endsWith(
                      "more than 2097152 values in one message exceeds maxElementsPerMessage"
                          + " 2097152");
            });

    // Within the budget (1 + 2 + 2 * (2^20 - 2) = 2^21 - 1 values) it decodes; other calls go on.
    RpcClient client = RpcClient.create(channel);
    List<Integer> million = java.util.Collections.nCopies(each - 2, 0);
    assertThat(
            client
                .unary(COUNT, new Numbers(List.of(million, million)))
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .isEqualTo(new Numbers(List.of(List.of(2))));
    User ann = new User(1, "ann", "ann@example.com", 41, true);
    assertThat(client.unary(ECHO, ann).get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .isEqualTo(older(ann));
  }

  private static CallOptions callOptions() {
    return CallOptions.DEFAULT.withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  /** The same method with requests and responses as raw bytes. */
  private static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> method) {
    return method.toBuilder(TestMarshallers.bytes(), TestMarshallers.bytes()).build();
  }

  /** Collects responses; {@link #next()} waits for the next one. */
  private static final class Responses implements StreamObserver<User> {
    final List<User> received = new CopyOnWriteArrayList<>();
    final LinkedBlockingQueue<User> queue = new LinkedBlockingQueue<>();
    final CompletableFuture<Void> done = new CompletableFuture<>();

    User next() throws InterruptedException {
      User next = queue.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(next).as("a response within %s", Duration.ofSeconds(TIMEOUT_SECONDS)).isNotNull();
      return next;
    }

    @Override
    public void onNext(User value) {
      received.add(value);
      queue.add(value);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      done.complete(null);
    }
  }
}
