package io.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.testing.GrpcExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged CLI ({@code target/switchboard-cli.jar}, and {@code bin/switchboard} running it) as
 * a process, against {@code test.Calc} on a Netty server in this JVM: what a user runs.
 */
class CliJarIT {
  private static final Path JAR = Path.of(System.getProperty("switchboard.cli.jar", ""));
  private static final Path LAUNCHER = Path.of("bin", "switchboard").toAbsolutePath();

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  @TempDir Path dir;

  private String target;

  @BeforeEach
  void start() {
    assertThat(JAR).as("the CLI jar (mvn package builds it)").isRegularFile();
    target =
        grpc.nettyServer(new CalcService().definition(), SchemaReflection.newService()).target();
  }

  private record Result(int exit, String out, String err) {}

  private Result java(String stdin, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString()));
    command.addAll(List.of(args));
    return exec(command, stdin);
  }

  private Result exec(List<String> command, String stdin) throws Exception {
    Path in = Files.writeString(dir.resolve("stdin"), stdin);
    Path out = dir.resolve("stdout");
    Path err = dir.resolve("stderr");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectInput(in.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().put("SWITCHBOARD_CLI_JAR", JAR.toString());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process process = builder.start();
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
      return new Result(process.exitValue(), read(out), read(err));
    } finally {
      process.destroyForcibly();
    }
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  @Test
  void launcherScriptListsTheServices() throws Exception {
    Result r = exec(List.of("bash", LAUNCHER.toString(), "list", "--plaintext", target), "");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out().lines()).containsExactly(SchemaReflection.SERVICE_NAME, "test.Calc");
  }

  @Test
  void describeAndUnaryCall() throws Exception {
    Result describe = java("", "describe", "--plaintext", target, "test.Calc/Get");
    assertThat(describe.exit()).as(describe.toString()).isZero();
    assertThat(describe.out()).contains("rpc Get  unary").contains("[0]  id     int64");

    Result call = java("", "call", "--plaintext", target, "test.Calc/Get", "{\"id\": 2}");
    assertThat(call.exit()).as(call.toString()).isZero();
    assertThat(call.out()).startsWith("{\"id\":2,\"name\":\"item-2\",\"level\":\"HIGH\"");
    assertThat(call.err()).isEmpty();
  }

  @Test
  void streamsOneDocumentALine() throws Exception {
    Result count =
        java("", "call", "--plaintext", target, "test.Calc/Count", "{\"n\": 3, \"text\": \"x\"}");
    assertThat(count.exit()).as(count.toString()).isZero();
    assertThat(count.out().lines()).hasSize(3).allMatch(l -> l.startsWith("{\"id\":"));

    Result sum =
        java("{\"value\": 20}\n{\"value\": 22}\n", "call", "--plaintext", target, "test.Calc/Sum");
    assertThat(sum.exit()).as(sum.toString()).isZero();
    assertThat(sum.out()).isEqualTo("{\"sum\":42,\"count\":2}\n");
  }

  @Test
  void failingCallExitsWithItsStatus() throws Exception {
    Result r = java("", "call", "--plaintext", target, "test.Calc/Get", "{\"id\": 404}");
    assertThat(r.exit()).as(r.toString()).isEqualTo(64 + 5);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("switchboard: NOT_FOUND: no item 404\n");
  }
}
