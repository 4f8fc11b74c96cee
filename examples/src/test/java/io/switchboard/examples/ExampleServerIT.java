package io.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.RpcClient;
import io.switchboard.examples.logs.LogLevel;
import io.switchboard.examples.logs.LogMessage;
import io.switchboard.examples.logs.LogRequest;
import io.switchboard.examples.logs.LogStreamApi;
import io.switchboard.examples.users.GetUserRequest;
import io.switchboard.examples.users.User;
import io.switchboard.examples.users.UserApi;
import io.switchboard.examples.users.UserBatchApi;
import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.msgpack.schema.SchemaReflectionClient;
import io.switchboard.stream.ReceiverSettings;
import io.switchboard.stream.StreamReceiver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Starts the example server the way the README says, {@code java -jar
 * examples/target/switchboard-example-server.jar} (on free ports instead of 9090 and 8080), and
 * calls it through the gateway and directly with grpc-java, then stops it with SIGTERM (what Ctrl-C
 * does, as SIGINT).
 */
class ExampleServerIT {
  private static final Pattern READY =
      Pattern.compile("ready: services 127\\.0\\.0\\.1:(\\d+), gateway 127\\.0\\.0\\.1:(\\d+) .*");

  private final List<String> output = new CopyOnWriteArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Process process;

  @AfterEach
  void stopEverything() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void servesTheDemoServicesBehindTheGatewayUntilStopped() throws Exception {
    Path jar = Path.of(System.getProperty("example.server.jar", "target/none.jar"));
    assertThat(jar).as("the packaged example server (built by mvn package)").isRegularFile();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    process =
        new ProcessBuilder(
                java.toString(), "-jar", jar.toString(), "--port", "0", "--gateway-port", "0")
            .redirectErrorStream(true)
            .start();
    CompletableFuture<Matcher> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> readOutput(ready), "example-server-output");
    reader.setDaemon(true);
    reader.start();
    Matcher ports = ready.get(90, TimeUnit.SECONDS);
    int servicesPort = Integer.parseInt(ports.group(1));
    int gatewayPort = Integer.parseInt(ports.group(2));

    RpcClient viaGateway =
        RpcClient.create(channel(gatewayPort)).withTimeout(Duration.ofSeconds(10));
    User user =
        viaGateway.unary(UserApi.GET_USER, new GetUserRequest(42)).get(10, TimeUnit.SECONDS);
    assertThat(user.id()).isEqualTo(42);

    var batch =
        viaGateway
            .unary(
                UserBatchApi.BATCH_GET_USERS,
                new UserBatchApi.BatchGetUsersRequest(List.of(1L, 2L, 999_999L)))
            .get(10, TimeUnit.SECONDS);
    assertThat(batch.results())
        .extracting(UserBatchApi.UserResult::code)
        .containsExactly(0, 0, Status.Code.NOT_FOUND.value());

    assertThat(
            SchemaReflectionClient.create(channel(gatewayPort))
                .withTimeout(Duration.ofSeconds(10))
                .listServices()
                .get(10, TimeUnit.SECONDS))
        .contains(
            UserApi.SERVICE.name(), LogStreamApi.SERVICE.name(), SchemaReflection.SERVICE_NAME);

    // StreamLogs through the gateway: history from sequence 1, then lines as they are logged
    // (one a second), so three lines take at most a few seconds.
    StreamReceiver<LogMessage> receiver = StreamReceiver.forClient(ReceiverSettings.defaults());
    StreamObserver<LogRequest> requests =
        viaGateway.bidiStreaming(LogStreamApi.STREAM_LOGS, receiver.clientObserver());
    requests.onNext(new LogRequest(1, LogLevel.INFO, ""));
    List<Long> sequences = new ArrayList<>();
    while (sequences.size() < 3) {
      LogMessage message = receiver.poll(Duration.ofSeconds(20));
      assertThat(message).as("a log line within 20 s, after " + sequences).isNotNull();
      if (message.kind() == LogMessage.Kind.LINE) {
        sequences.add(message.sequence());
      }
    }
    assertThat(sequences).containsExactly(1L, 2L, 3L);
    requests.onError(Status.CANCELLED.withDescription("test done").asException());

    HealthCheckResponse.ServingStatus health =
        HealthGrpc.newBlockingStub(channel(servicesPort))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance())
            .getStatus();
    assertThat(health).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    // SIGTERM through the handle: Process.destroy() would also close our end of its output.
    assertThat(process.toHandle().destroy()).isTrue();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
    reader.join(TimeUnit.SECONDS.toMillis(10));
    String all = "exit " + process.exitValue() + ", output:\n" + String.join("\n", output);
    assertThat(output).as(all).contains("example server stopped");
    // The JVM's exit status after SIGTERM with shutdown hooks run: 128 + 15.
    assertThat(process.exitValue()).as(all).isEqualTo(143);
  }

  private ManagedChannel channel(int port) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    channels.add(channel);
    return channel;
  }

  private void readOutput(CompletableFuture<Matcher> ready) {
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        output.add(line);
        Matcher matcher = READY.matcher(line);
        if (matcher.matches()) {
          ready.complete(matcher);
        }
      }
      ready.completeExceptionally(
          new AssertionError(
              "the server ended before it was ready:\n" + String.join("\n", output)));
    } catch (IOException e) {
      ready.completeExceptionally(e);
    }
  }
}
