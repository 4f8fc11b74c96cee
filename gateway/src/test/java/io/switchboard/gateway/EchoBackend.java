package io.switchboard.gateway;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.msgpack.MessagePackMarshaller;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A backend with one method of each kind, recording what reaches it: request headers,
 * cancellations, messages sent.
 */
final class EchoBackend {
  /** Messages are MessagePack on the wire; the gateway only ever sees their bytes. */
  static final MessagePackMarshaller<Msg> CODEC = MessagePackMarshaller.of(Msg.class);

  static final ServiceSpec SERVICE = ServiceSpec.named("test.Echo");
  static final MethodSpec<Msg, Msg> ECHO = SERVICE.unary("Echo", CODEC, CODEC);

  /** Never answers; the call ends by deadline or cancellation. */
  static final MethodSpec<Msg, Msg> HANG = SERVICE.unary("Hang", CODEC, CODEC);

  static final MethodSpec<Msg, Msg> COUNT = SERVICE.serverStreaming("Count", CODEC, CODEC);
  static final MethodSpec<Msg, Msg> JOIN = SERVICE.clientStreaming("Join", CODEC, CODEC);
  static final MethodSpec<Msg, Msg> CHAT = SERVICE.bidiStreaming("Chat", CODEC, CODEC);

  static final Metadata.Key<String> BACKEND_HEADER =
      Metadata.Key.of("x-backend", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> TRAILER =
      Metadata.Key.of("x-backend-trailer", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<byte[]> BINARY_TRAILER =
      Metadata.Key.of("x-detail-bin", Metadata.BINARY_BYTE_MARSHALLER);

  final String name;
  final AtomicReference<Metadata> lastHeaders = new AtomicReference<>();

  /** The deadline of the last call, as the backend's grpc read it from grpc-timeout. */
  final AtomicReference<Optional<Deadline>> lastDeadline = new AtomicReference<>();

  final CountDownLatch cancelled = new CountDownLatch(1);
  final AtomicLong sent = new AtomicLong();

  EchoBackend(String name) {
    this.name = name;
  }

  ServerServiceDefinition definition() {
    ServerServiceDefinition service =
        ServiceBinder.forService(SERVICE)
            .unary(ECHO, this::echo)
            .unaryAsync(HANG, request -> new CompletableFuture<Msg>())
            .serverStreaming(COUNT, this::count)
            .clientStreaming(JOIN, this::join)
            .bidiStreaming(CHAT, this::chat)
            .build();
    return ServerInterceptors.intercept(service, new Recorder());
  }

  private Msg echo(Msg request) {
    if (request.text().startsWith("status:")) {
      String[] parts = request.text().split(":", 3);
      throw Status.fromCode(Status.Code.valueOf(parts[1]))
          .withDescription(parts[2])
          .asRuntimeException();
    }
    return new Msg(request.seq(), name + ":" + request.text());
  }

  /** Sends {@code seq} messages carrying the request's text, honouring isReady. */
  private void count(Msg request, StreamObserver<Msg> responses) {
    ServerCallStreamObserver<Msg> out = (ServerCallStreamObserver<Msg>) responses;
    out.setOnCancelHandler(cancelled::countDown);
    long total = request.seq();
    long[] next = {0};
    out.setOnReadyHandler(
        () -> {
          while (out.isReady() && next[0] < total && !out.isCancelled()) {
            out.onNext(new Msg(next[0]++, request.text()));
            sent.incrementAndGet();
          }
          if (next[0] == total) {
            next[0]++;
            out.onCompleted();
          }
        });
  }

  private StreamObserver<Msg> join(StreamObserver<Msg> responses) {
    List<String> texts = new ArrayList<>();
    return new StreamObserver<>() {
      @Override
      public void onNext(Msg value) {
        texts.add(value.text());
      }

      @Override
      public void onError(Throwable t) {
        cancelled.countDown();
      }

      @Override
      public void onCompleted() {
        responses.onNext(new Msg(texts.size(), String.join(",", texts)));
        responses.onCompleted();
      }
    };
  }

  private StreamObserver<Msg> chat(StreamObserver<Msg> responses) {
    return new StreamObserver<>() {
      @Override
      public void onNext(Msg value) {
        responses.onNext(new Msg(value.seq(), name + ":" + value.text()));
      }

      @Override
      public void onError(Throwable t) {
        cancelled.countDown();
      }

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }

  /** Records request headers and cancellations; adds a response header and trailers. */
  private final class Recorder implements ServerInterceptor {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      lastHeaders.set(headers);
      lastDeadline.set(Optional.ofNullable(Context.current().getDeadline()));
      ServerCall<ReqT, RespT> decorated =
          new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
              responseHeaders.put(BACKEND_HEADER, name);
              super.sendHeaders(responseHeaders);
            }

            @Override
            public void close(Status status, Metadata trailers) {
              trailers.put(TRAILER, "done");
              trailers.put(BINARY_TRAILER, new byte[] {0, 1, 2, (byte) 255});
              super.close(status, trailers);
            }
          };
      ServerCall.Listener<ReqT> listener = next.startCall(decorated, headers);
      return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
          listener) {
        @Override
        public void onCancel() {
          cancelled.countDown();
          super.onCancel();
        }
      };
    }
  }
}
