package io.switchboard.testing;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A backend for tests, service {@value #SERVICE_NAME}, with one method of each call kind over UTF-8
 * strings, that records what reaches it. Each instance has a name, which its answers start with
 * ({@code "name:"}) and its response headers carry, so a test sees which backend answered. Never
 * blocks a server thread; thread-safe.
 *
 * <ul>
 *   <li>{@link #ECHO} (unary): answers {@code "name:" + request}; a request {@code
 *       "status:CODE:description"} fails with that status instead.
 *   <li>{@link #HANG} (unary): never answers on its own; the call stays held until {@link
 *       #releaseHeld()} answers it, or the client cancels it or its deadline passes.
 *   <li>{@link #COUNT} (server streaming): a request {@code "n"} or {@code "n:text"} gets n
 *       responses {@code "0:text"}, {@code "1:text"}, ..., sent only while the call {@code isReady}
 *       (so a slow client holds the backend back), then completes.
 *   <li>{@link #JOIN} (client streaming): answers the requests joined with commas.
 *   <li>{@link #CHAT} (bidi streaming): answers each request with {@code "name:" + request}.
 *   <li>{@link #UPLOAD} (client streaming): a slow reader. It reads a request only when the test
 *       allows one more with {@link #allowUploadReads}, and answers the number read once the client
 *       half-closes; everything the client sends before that waits in grpc's flow-control window.
 * </ul>
 *
 * <p>Every response carries the header {@link #NAME_HEADER} (this backend's name) and the trailers
 * {@link #TRAILER} ({@code "done"}) and {@link #BINARY_TRAILER} (bytes 0, 1, 2, 255), failures
 * included.
 *
 * <pre>{@code
 * EchoService echo = new EchoService("users");
 * TestServer server = grpc.nettyServer(echo.definition());
 * String reply = ClientCalls.blockingUnaryCall(server.channel(), EchoService.ECHO, options, "hi");
 * }</pre>
 */
public final class EchoService {
  /** The service's full name. */
  public static final String SERVICE_NAME = "test.Echo";

  private static final Marshaller<String> UTF8 = TestMarshallers.utf8();

  /** Echoes the request; {@code "status:CODE:description"} fails with that status. */
  public static final MethodDescriptor<String, String> ECHO = method(MethodType.UNARY, "Echo");

  /** Held until released, cancelled or past its deadline. */
  public static final MethodDescriptor<String, String> HANG = method(MethodType.UNARY, "Hang");

  /** {@code "n"} or {@code "n:text"}: n responses {@code "i:text"}, flow-controlled. */
  public static final MethodDescriptor<String, String> COUNT =
      method(MethodType.SERVER_STREAMING, "Count");

  /** Answers the requests joined with commas. */
  public static final MethodDescriptor<String, String> JOIN =
      method(MethodType.CLIENT_STREAMING, "Join");

  /** Answers each request as {@link #ECHO} does. */
  public static final MethodDescriptor<String, String> CHAT =
      method(MethodType.BIDI_STREAMING, "Chat");

  /** Reads requests only as fast as {@link #allowUploadReads} allows; answers how many it read. */
  public static final MethodDescriptor<String, String> UPLOAD =
      method(MethodType.CLIENT_STREAMING, "Upload");

  /** Response header naming the backend that answered. */
  public static final Metadata.Key<String> NAME_HEADER =
      Metadata.Key.of("x-echo-name", Metadata.ASCII_STRING_MARSHALLER);

  /** Trailer sent with every close, {@code "done"}. */
  public static final Metadata.Key<String> TRAILER =
      Metadata.Key.of("x-echo-trailer", Metadata.ASCII_STRING_MARSHALLER);

  /** Binary trailer sent with every close: bytes 0, 1, 2, 255. */
  public static final Metadata.Key<byte[]> BINARY_TRAILER =
      Metadata.Key.of("x-echo-detail-bin", Metadata.BINARY_BYTE_MARSHALLER);

  private final String name;
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong cancellations = new AtomicLong();
  private final AtomicLong streamed = new AtomicLong();
  private final AtomicReference<Metadata> lastHeaders = new AtomicReference<>();
  private final AtomicReference<Optional<Deadline>> lastDeadline = new AtomicReference<>();
  private final List<Held> held = new ArrayList<>();
  private final List<Upload> uploads = new ArrayList<>();
  private final AtomicInteger uploadReadsAllowed = new AtomicInteger();
  private final AtomicLong uploadReceived = new AtomicLong();

  private record Held(String request, StreamObserver<String> responses) {}

  /**
   * Creates a backend with this name.
   *
   * @throws NullPointerException if the name is null
   */
  public EchoService(String name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  /** Returns this backend's name. */
  public String name() {
    return name;
  }

  /** Returns the service definition to add to a server; it records every call into this object. */
  public ServerServiceDefinition definition() {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(SERVICE_NAME)
            .addMethod(ECHO, ServerCalls.asyncUnaryCall(this::echo))
            .addMethod(HANG, ServerCalls.asyncUnaryCall(this::hang))
            .addMethod(COUNT, ServerCalls.asyncServerStreamingCall(this::count))
            .addMethod(JOIN, ServerCalls.asyncClientStreamingCall(this::join))
            .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(this::chat))
            .addMethod(UPLOAD, ServerCalls.asyncClientStreamingCall(this::upload))
            .build();
    return ServerInterceptors.intercept(service, new Recorder());
  }

  /** Returns how many calls reached this backend (any method, before the handler ran). */
  public long calls() {
    return calls.get();
  }

  /** Returns how many calls the server saw cancelled (by the client, a deadline, or a reset). */
  public long cancellations() {
    return cancellations.get();
  }

  /**
   * Waits until the server has seen at least one cancellation.
   *
   * @throws AssertionError if none is seen within the timeout
   */
  public void awaitCancellation(Duration timeout) {
    Await.until(
        timeout,
        () -> cancellations.get() > 0,
        () -> "a call cancelled on backend " + name + " (" + calls.get() + " calls arrived)");
  }

  /** Returns how many responses {@link #COUNT} calls have sent (handed to grpc). */
  public long streamed() {
    return streamed.get();
  }

  /** Returns the request headers of the last call, or null if none arrived. */
  public Metadata lastHeaders() {
    return lastHeaders.get();
  }

  /** Returns the deadline of the last call as the server read it, or null if none arrived. */
  public Optional<Deadline> lastDeadline() {
    return lastDeadline.get();
  }

  /** Returns how many {@link #HANG} calls are held, not yet released or cancelled. */
  public int heldCount() {
    synchronized (held) {
      return held.size();
    }
  }

  /** Answers every held {@link #HANG} call as {@link #ECHO} would; returns how many. */
  public int releaseHeld() {
    List<Held> now;
    synchronized (held) {
      now = new ArrayList<>(held);
      held.clear();
    }
    for (Held h : now) {
      answer(h.request(), h.responses());
    }
    return now.size();
  }

  /**
   * Lets {@link #UPLOAD} calls read {@code n} more requests (in total, across calls).
   *
   * @throws IllegalArgumentException if n is negative
   */
  public void allowUploadReads(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n: " + n + " (expected: >= 0)");
    }
    uploadReadsAllowed.addAndGet(n);
    List<Upload> open;
    synchronized (uploads) {
      open = new ArrayList<>(uploads);
    }
    for (Upload upload : open) {
      upload.requestIfAllowed();
    }
  }

  /** Returns how many requests {@link #UPLOAD} calls have read. */
  public long uploadReceived() {
    return uploadReceived.get();
  }

  private String reply(String request) {
    return name + ":" + request;
  }

  private void echo(String request, StreamObserver<String> responses) {
    if (request.startsWith("status:")) {
      String[] parts = request.split(":", 3);
      responses.onError(
          Status.fromCode(Status.Code.valueOf(parts[1]))
              .withDescription(parts.length > 2 ? parts[2] : null)
              .asRuntimeException());
      return;
    }
    answer(request, responses);
  }

  private void answer(String request, StreamObserver<String> responses) {
    try {
      responses.onNext(reply(request));
      responses.onCompleted();
    } catch (RuntimeException cancelledMeanwhile) {
      // grpc refuses messages on a call the client cancelled; nothing to answer.
    }
  }

  private void hang(String request, StreamObserver<String> responses) {
    Held h = new Held(request, responses);
    ((ServerCallStreamObserver<String>) responses)
        .setOnCancelHandler(
            () -> {
              synchronized (held) {
                held.remove(h);
              }
            });
    synchronized (held) {
      held.add(h);
    }
  }

  private void count(String request, StreamObserver<String> responses) {
    ServerCallStreamObserver<String> out = (ServerCallStreamObserver<String>) responses;
    String[] parts = request.split(":", 2);
    long total = Long.parseLong(parts[0]);
    String suffix = parts.length > 1 ? ":" + parts[1] : "";
    long[] next = {0};
    out.setOnCancelHandler(() -> {});
    out.setOnReadyHandler(
        () -> {
          while (out.isReady() && next[0] < total && !out.isCancelled()) {
            out.onNext(next[0]++ + suffix);
            streamed.incrementAndGet();
          }
          if (next[0] == total) {
            next[0]++;
            out.onCompleted();
          }
        });
  }

  private StreamObserver<String> join(StreamObserver<String> responses) {
    List<String> texts = new ArrayList<>();
    return new StreamObserver<>() {
      @Override
      public void onNext(String value) {
        texts.add(value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        responses.onNext(String.join(",", texts));
        responses.onCompleted();
      }
    };
  }

  private StreamObserver<String> chat(StreamObserver<String> responses) {
    return new StreamObserver<>() {
      @Override
      public void onNext(String value) {
        responses.onNext(reply(value));
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }

  private StreamObserver<String> upload(StreamObserver<String> responses) {
    ServerCallStreamObserver<String> call = (ServerCallStreamObserver<String>) responses;
    call.disableAutoRequest();
    Upload upload = new Upload(call);
    synchronized (uploads) {
      uploads.add(upload);
    }
    Runnable forget =
        () -> {
          synchronized (uploads) {
            uploads.remove(upload);
          }
        };
    call.setOnCancelHandler(forget);
    upload.requestIfAllowed();
    return new StreamObserver<>() {
      @Override
      public void onNext(String value) {
        uploadReceived.incrementAndGet();
        upload.onRead();
      }

      @Override
      public void onError(Throwable t) {
        forget.run();
      }

      @Override
      public void onCompleted() {
        forget.run();
        responses.onNext(Long.toString(upload.read()));
        responses.onCompleted();
      }
    };
  }

  /** One {@link #UPLOAD} call: at most one message requested at a time, only when allowed. */
  private final class Upload {
    private final ServerCallStreamObserver<String> call;
    private boolean requested;
    private long read;

    Upload(ServerCallStreamObserver<String> call) {
      this.call = call;
    }

    synchronized long read() {
      return read;
    }

    synchronized void onRead() {
      read++;
      requested = false;
      requestIfAllowed();
    }

    synchronized void requestIfAllowed() {
      if (!requested && uploadReadsAllowed.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
        requested = true;
        call.request(1);
      }
    }
  }

  private static MethodDescriptor<String, String> method(MethodType type, String method) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, method))
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }

  /** Records headers, deadlines and cancellations; adds the name header and the trailers. */
  private final class Recorder implements ServerInterceptor {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      calls.incrementAndGet();
      lastHeaders.set(headers);
      lastDeadline.set(Optional.ofNullable(Context.current().getDeadline()));
      ServerCall<ReqT, RespT> decorated =
          new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
              responseHeaders.put(NAME_HEADER, name);
              super.sendHeaders(responseHeaders);
            }

            @Override
            public void close(Status status, Metadata trailers) {
              trailers.put(TRAILER, "done");
              trailers.put(BINARY_TRAILER, new byte[] {0, 1, 2, (byte) 255});
              super.close(status, trailers);
            }
          };
      return new SimpleForwardingServerCallListener<>(next.startCall(decorated, headers)) {
        @Override
        public void onCancel() {
          cancellations.incrementAndGet();
          super.onCancel();
        }
      };
    }
  }
}
