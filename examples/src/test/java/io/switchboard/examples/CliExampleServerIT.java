package io.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.msgpack.schema.SchemaReflection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's CLI lines: the packaged {@code switchboard} CLI ({@code
 * cli/target/switchboard-cli.jar}) run as a process against the example server's services over
 * Netty, directly and through its gateway: list, describe, a unary call, a streaming call, a
 * failing call's exit code and message.
 */
class CliExampleServerIT {
  private static final Path JAR = Path.of(System.getProperty("switchboard.cli.jar", ""));

  private static ExampleServer server;
  private static String services;
  private static String gateway;

  @TempDir Path dir;

  @BeforeAll
  static void start() throws IOException {
    server = ExampleServer.start("127.0.0.1", 0, 0, 100);
    services = "127.0.0.1:" + server.port();
    gateway = "127.0.0.1:" + server.gatewayPort();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private record Result(int exit, String out, String err) {}

  private Result cli(String... args) throws Exception {
    assertThat(JAR).as("the CLI jar (mvn package builds it in cli/)").isRegularFile();
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process process =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
      return new Result(
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void listAndDescribeTheDemoServices() throws Exception {
    Result list = cli("list", "--plaintext", services);
    assertThat(list.exit()).as(list.toString()).isZero();
    assertThat(list.out().lines())
        .contains(
            "demo.LogStreamService",
            "demo.UserService",
            "grpc.health.v1.Health",
            SchemaReflection.SERVICE_NAME);

    Result describe = cli("describe", "--plaintext", services, "demo.UserService/GetUser");
    assertThat(describe.exit()).as(describe.toString()).isZero();
    assertThat(describe.out())
        .contains("rpc GetUser  unary")
        .contains("message io.switchboard.examples.users.User")
        .contains("[4]  active  bool");
  }

  @Test
  void unaryCallDirectlyAndThroughTheGateway() throws Exception {
    for (String target : List.of(services, gateway)) {
      Result r = cli("call", "--plaintext", target, "demo.UserService/GetUser", "{\"id\": 1}");
      assertThat(r.exit()).as(target + ": " + r).isZero();
      assertThat(r.out()).startsWith("{\"id\":1,\"name\":").endsWith("}\n");
      assertThat(r.out().lines()).hasSize(1);
    }
  }

  @Test
  void streamingCallPrintsOneLineAMessage() throws Exception {
    Result r =
        cli(
            "call",
            "--plaintext",
            services,
            "demo.LogStreamService/StreamLogs",
            "{\"fromSequence\": 1, \"minLevel\": \"DEBUG\", \"service\": \"\"}",
            "--max-responses",
            "1",
            "--deadline",
            "30s");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out().lines()).hasSize(1);
    assertThat(r.out()).startsWith("{\"kind\":\"LINE\",\"sequence\":1,");
  }

  @Test
  void failingCallExitsWith64PlusTheStatusCode() throws Exception {
    Result r = cli("call", "--plaintext", services, "demo.UserService/GetUser", "{\"id\": 999999}");
    assertThat(r.exit()).as(r.toString()).isEqualTo(64 + 5);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("switchboard: NOT_FOUND: no user with id 999999\n");
  }
}
