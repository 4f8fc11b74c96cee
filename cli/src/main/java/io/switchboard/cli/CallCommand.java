package io.switchboard.cli;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.switchboard.msgpack.json.JsonSettings;
import io.switchboard.msgpack.json.JsonTranscoder;
import io.switchboard.msgpack.schema.MethodSchema;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code call HOST:PORT SERVICE/METHOD [JSON]}: the request(s) from JSON through the method's
 * published schema, the responses printed as JSON, one document a line.
 */
@Command(
    name = "call",
    mixinStandardHelpOptions = true,
    description = {
      "Calls a method with JSON requests and prints each response as one line of JSON"
          + " (the canonical JSON mapping of WIRE-FORMAT.md).",
      "Unary and server-streaming methods take exactly one JSON document; client- and"
          + " bidi-streaming methods take any number, one after another (e.g. one a line),"
          + " each sent as it is read. Exits with 64 + the gRPC status code when the call fails."
    })
final class CallCommand implements Callable<Integer> {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw Status.INTERNAL
                .withDescription("cannot read a response: " + e)
                .withCause(e)
                .asRuntimeException();
          }
        }
      };

  @Spec CommandSpec spec;

  @ParentCommand SwitchboardCli parent;

  @Mixin ConnectionOptions connection;

  @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The server (or the gateway).")
  String target;

  @Parameters(
      index = "1",
      paramLabel = "SERVICE/METHOD",
      description = "The method, e.g. demo.UserService/GetUser.")
  String method;

  @Parameters(
      index = "2",
      arity = "0..1",
      paramLabel = "JSON",
      description =
          "The request(s): JSON text, @FILE to read a file, or - (the default) to read stdin.")
  String request;

  @Option(
      names = "--int64-as-string",
      description = "Print 64-bit integers beyond 2^53 as strings, which JavaScript reads exactly.")
  boolean int64AsString;

  @Option(
      names = {"-v", "--verbose"},
      description = "Print the response headers and trailers to stderr.")
  boolean verbose;

  @Option(
      names = "--max-responses",
      paramLabel = "N",
      description =
          "Stop after N responses (cancelling the call; exit 0): for streams that never end.")
  Long maxResponses;

  @Override
  public Integer call() throws IOException {
    MethodName name = MethodName.parse(method, true);
    if (maxResponses != null && maxResponses < 1) {
      throw CliException.usage("--max-responses: " + maxResponses + " (expected: > 0)");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    JsonSettings settings = JsonSettings.newBuilder().int64AsString(int64AsString).build();
    try (Connection c = Connection.open(target, connection)) {
      MethodSchema m = name.find(c.describeService(name.service()));
      if (m.request() == null || m.response() == null) {
        err.println(
            "switchboard: warning: "
                + m.fullName()
                + " publishes no schema for its "
                + (m.request() == null ? "requests" : "responses")
                + " (not MessagePackMarshaller's): JSON objects go as MessagePack maps, as is");
        err.flush();
      }
      Channel channel = verbose ? Verbose.intercept(c.channel(), err) : c.channel();
      try (JsonRequests requests = new JsonRequests(input(), settings.maxJsonBytes())) {
        Status status =
            new Exchange(
                    channel,
                    c.callOptions(),
                    m,
                    JsonTranscoder.forRequests(m, settings),
                    JsonTranscoder.forResponses(m, settings),
                    out)
                .run(requests);
        out.flush();
        if (!status.isOk()) {
          err.println("switchboard: " + SwitchboardCli.describe(status));
          err.flush();
        }
        return SwitchboardCli.exitCode(status);
      }
    }
  }

  private InputStream input() throws IOException {
    if (request == null || request.equals("-") || request.equals("@-")) {
      return parent.stdin();
    }
    if (request.startsWith("@")) {
      Path file = Path.of(request.substring(1));
      try {
        return Files.newInputStream(file);
      } catch (NoSuchFileException e) {
        throw CliException.usage(request + ": no such file");
      } catch (IOException e) {
        throw CliException.usage(request + ": cannot read it: " + e.getMessage());
      }
    }
    return new ByteArrayInputStream(request.getBytes(StandardCharsets.UTF_8));
  }

  /** One call: requests sent as read and as the transport is ready, responses printed. */
  private final class Exchange implements ClientResponseObserver<byte[], byte[]> {
    private final Channel channel;
    private final CallOptions callOptions;
    private final MethodSchema method;
    private final JsonTranscoder requests;
    private final JsonTranscoder responses;
    private final PrintWriter out;
    private final CompletableFuture<Status> closed = new CompletableFuture<>();
    private final Object ready = new Object();
    private volatile ClientCallStreamObserver<byte[]> call;
    private long received;
    private volatile boolean stopped; // cancelled by --max-responses
    private volatile Status failure; // a response that does not transcode

    Exchange(
        Channel channel,
        CallOptions callOptions,
        MethodSchema method,
        JsonTranscoder requests,
        JsonTranscoder responses,
        PrintWriter out) {
      this.channel = channel;
      this.callOptions = callOptions;
      this.method = method;
      this.requests = requests;
      this.responses = responses;
      this.out = out;
    }

    Status run(JsonRequests input) throws IOException {
      MethodDescriptor<byte[], byte[]> descriptor =
          MethodDescriptor.newBuilder(BYTES, BYTES)
              .setType(method.kind())
              .setFullMethodName(method.fullName())
              .build();
      byte[] single = null;
      if (!method.clientStreams()) {
        // Exactly one request, checked before anything is sent.
        byte[] json = input.next();
        if (json == null) {
          throw CliException.usage("no request: " + method.fullName() + " takes one JSON document");
        }
        single = toMessagePack(json, 1);
        if (input.next() != null) {
          throw CliException.usage(
              "more than one request: "
                  + method.fullName()
                  + " is "
                  + SchemaText.kind(method)
                  + " and takes one JSON document");
        }
      }
      ClientCall<byte[], byte[]> clientCall = channel.newCall(descriptor, callOptions);
      switch (method.kind()) {
        case UNARY -> ClientCalls.asyncUnaryCall(clientCall, single, this);
        case SERVER_STREAMING -> ClientCalls.asyncServerStreamingCall(clientCall, single, this);
        case CLIENT_STREAMING ->
            send(ClientCalls.asyncClientStreamingCall(clientCall, this), input);
        case BIDI_STREAMING -> send(ClientCalls.asyncBidiStreamingCall(clientCall, this), input);
        default ->
            throw CliException.usage(
                method.fullName() + ": call kind " + method.kind() + " is not callable");
      }
      Status status = await();
      if (failure != null) {
        return failure;
      }
      return stopped && status.getCode() == Status.Code.CANCELLED ? Status.OK : status;
    }

    private void send(StreamObserver<byte[]> stream, JsonRequests input) throws IOException {
      try {
        byte[] json;
        while (!closed.isDone() && (json = input.next()) != null) {
          byte[] message = toMessagePack(json, input.count());
          awaitReady();
          if (closed.isDone()) {
            break;
          }
          stream.onNext(message);
        }
      } catch (IOException | RuntimeException e) {
        call.cancel("the CLI's request input failed", e);
        throw e;
      }
      stream.onCompleted();
    }

    private byte[] toMessagePack(byte[] json, int index) {
      try {
        return requests.toMessagePack(json);
      } catch (StatusRuntimeException e) {
        throw CliException.usage("request " + index + ": " + e.getStatus().getDescription());
      }
    }

    private void awaitReady() {
      synchronized (ready) {
        while (!call.isReady() && !closed.isDone()) {
          try {
            ready.wait(1000); // woken by onReady or the close; the timeout is a backstop
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel("interrupted", e);
            return;
          }
        }
      }
    }

    private Status await() {
      try {
        return closed.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        call.cancel("interrupted", e);
        return Status.CANCELLED.withDescription("interrupted");
      } catch (ExecutionException e) {
        return Status.fromThrowable(e.getCause());
      }
    }

    private void wake() {
      synchronized (ready) {
        ready.notifyAll();
      }
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<byte[]> requestStream) {
      this.call = requestStream;
      requestStream.setOnReadyHandler(this::wake);
    }

    @Override
    public void onNext(byte[] message) {
      if (stopped || failure != null) {
        return;
      }
      byte[] json;
      try {
        json = responses.toJson(message);
      } catch (StatusRuntimeException e) {
        failure =
            Status.INTERNAL.withDescription(
                "response " + (received + 1) + ": " + e.getStatus().getDescription());
        call.cancel("a response does not fit its schema", e);
        return;
      }
      received++;
      out.println(new String(json, StandardCharsets.UTF_8));
      out.flush();
      if (maxResponses != null && received >= maxResponses) {
        stopped = true;
        call.cancel("--max-responses " + maxResponses + " reached", null);
      }
    }

    @Override
    public void onError(Throwable t) {
      closed.complete(Status.fromThrowable(t));
      wake();
    }

    @Override
    public void onCompleted() {
      closed.complete(Status.OK);
      wake();
    }
  }
}
