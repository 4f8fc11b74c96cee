package io.switchboard.cli;

import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.msgpack.MessagePackMarshaller;
import io.switchboard.msgpack.MessagePackShape;
import io.switchboard.msgpack.WireShape;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The CLI tests' backend, {@code test.Calc}: one code-first MessagePack method of each call kind,
 * messages with enums, timestamps, bytes, optionals, unions and 64-bit integers; records what
 * reached it.
 */
final class CalcService {
  enum Level {
    LOW,
    HIGH
  }

  /** An array-shaped record, as most services have. */
  record Item(
      long id,
      String name,
      Level level,
      List<String> tags,
      Instant at,
      byte[] data,
      Optional<Shape> shape) {}

  sealed interface Shape permits Circle, Square {}

  @io.switchboard.msgpack.MessagePackIndex(0)
  record Circle(double radius) implements Shape {}

  @io.switchboard.msgpack.MessagePackIndex(1)
  record Square(long side) implements Shape {}

  record GetRequest(long id) {}

  record CountRequest(int n, String text) {}

  /** A map-shaped record. */
  @MessagePackShape(WireShape.MAP)
  record Amount(long value) {}

  record Total(long sum, int count) {}

  record WhoRequest() {}

  record Who(String user) {}

  static final ServiceSpec SERVICE = ServiceSpec.named("test.Calc");

  /** Returns item {id}; NOT_FOUND for 404. */
  static final MethodSpec<GetRequest, Item> GET =
      SERVICE.unary(
          "Get", MessagePackMarshaller.of(GetRequest.class), MessagePackMarshaller.of(Item.class));

  /** n items named text-0, text-1, ... */
  static final MethodSpec<CountRequest, Item> COUNT =
      SERVICE.serverStreaming(
          "Count",
          MessagePackMarshaller.of(CountRequest.class),
          MessagePackMarshaller.of(Item.class));

  /** The sum and count of the numbers sent. */
  static final MethodSpec<Amount, Total> SUM =
      SERVICE.clientStreaming(
          "Sum", MessagePackMarshaller.of(Amount.class), MessagePackMarshaller.of(Total.class));

  /** Answers each item with itself, its name upper-cased. */
  static final MethodSpec<Item, Item> ECHO =
      SERVICE.bidiStreaming(
          "Echo", MessagePackMarshaller.of(Item.class), MessagePackMarshaller.of(Item.class));

  /** Never answers: for deadlines. */
  static final MethodSpec<GetRequest, Item> HANG =
      SERVICE.unary(
          "Hang", MessagePackMarshaller.of(GetRequest.class), MessagePackMarshaller.of(Item.class));

  /** Answers the x-user header. */
  static final MethodSpec<WhoRequest, Who> WHO =
      SERVICE.unary(
          "Who", MessagePackMarshaller.of(WhoRequest.class), MessagePackMarshaller.of(Who.class));

  static final Metadata.Key<String> USER =
      Metadata.Key.of("x-user", Metadata.ASCII_STRING_MARSHALLER);
  private static final io.grpc.Context.Key<String> USER_IN_CONTEXT = io.grpc.Context.key("user");

  final AtomicLong calls = new AtomicLong();
  final AtomicReference<Metadata> lastHeaders = new AtomicReference<>();

  static Item item(long id, String name) {
    return new Item(
        id,
        name,
        Level.HIGH,
        List.of("a", "b"),
        Instant.parse("2026-12-02T10:00:00.5Z"),
        new byte[] {1, 2, 3},
        Optional.of(new Square(id)));
  }

  ServerServiceDefinition definition() {
    ServerServiceDefinition service =
        ServiceBinder.forService(SERVICE)
            .unary(
                GET,
                request -> {
                  if (request.id() == 404) {
                    throw Status.NOT_FOUND.withDescription("no item 404").asRuntimeException();
                  }
                  return item(request.id(), "item-" + request.id());
                })
            .serverStreaming(
                COUNT,
                (request, responses) -> {
                  for (int i = 0; i < request.n(); i++) {
                    responses.onNext(item(i, request.text() + "-" + i));
                  }
                  responses.onCompleted();
                })
            .clientStreaming(
                SUM,
                (StreamObserver<Total> responses) ->
                    new StreamObserver<Amount>() {
                      final List<Long> values = new ArrayList<>();

                      @Override
                      public void onNext(Amount n) {
                        values.add(n.value());
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        responses.onNext(
                            new Total(
                                values.stream().mapToLong(Long::longValue).sum(), values.size()));
                        responses.onCompleted();
                      }
                    })
            .bidiStreaming(
                ECHO,
                (StreamObserver<Item> responses) ->
                    new StreamObserver<Item>() {
                      @Override
                      public void onNext(Item item) {
                        responses.onNext(
                            new Item(
                                item.id(),
                                item.name().toUpperCase(java.util.Locale.ROOT),
                                item.level(),
                                item.tags(),
                                item.at(),
                                item.data(),
                                item.shape()));
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        responses.onCompleted();
                      }
                    })
            .unaryAsync(HANG, request -> new CompletableFuture<>())
            .unary(WHO, request -> new Who(USER_IN_CONTEXT.get()))
            .build();
    ServerInterceptor recorder =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> io.grpc.ServerCall.Listener<ReqT> interceptCall(
              io.grpc.ServerCall<ReqT, RespT> call,
              Metadata headers,
              io.grpc.ServerCallHandler<ReqT, RespT> next) {
            calls.incrementAndGet();
            lastHeaders.set(headers);
            return Contexts.interceptCall(
                io.grpc.Context.current().withValue(USER_IN_CONTEXT, headers.get(USER)),
                call,
                headers,
                next);
          }
        };
    return ServerInterceptors.intercept(service, recorder);
  }
}
