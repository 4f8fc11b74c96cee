package io.switchboard.cli;

import static io.switchboard.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI in-process (picocli's {@code execute} with captured output) against {@code test.Calc} and
 * the schema reflection service on a real Netty server on loopback.
 */
class CliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  @TempDir Path dir;

  private final CalcService calc = new CalcService();
  private String target;

  @BeforeEach
  void startServer() {
    TestServer server = grpc.nettyServer(calc.definition(), SchemaReflection.newService());
    target = server.target();
  }

  private CliRun call(String stdin, String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "call";
    all[1] = "--plaintext";
    all[2] = target;
    System.arraycopy(args, 0, all, 3, args.length);
    return CliRun.withStdin(stdin, all);
  }

  private static List<JsonNode> lines(String out) throws IOException {
    List<JsonNode> nodes = new java.util.ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isEmpty()) {
        nodes.add(JSON.readTree(line));
      }
    }
    return nodes;
  }

  @Test
  void listPrintsTheServicesAndAServicesMethods() {
    CliRun services = run("list", "--plaintext", target);
    assertThat(services.exit()).as(services.toString()).isZero();
    assertThat(services.out().lines()).containsExactly(SchemaReflection.SERVICE_NAME, "test.Calc");

    CliRun methods = run("list", "--plaintext", target, "test.Calc");
    assertThat(methods.exit()).as(methods.toString()).isZero();
    assertThat(methods.out().lines())
        .containsExactly(
            "test.Calc/Count",
            "test.Calc/Echo",
            "test.Calc/Get",
            "test.Calc/Hang",
            "test.Calc/Sum",
            "test.Calc/Who");
  }

  @Test
  void describeShowsKindsFieldsEnumsAndUnions() {
    CliRun r = run("describe", "--plaintext", target, "test.Calc/Get");
    assertThat(r.exit()).as(r.toString()).isZero();
    String item = "io.switchboard.cli.CalcService.Item";
    assertThat(r.out())
        .startsWith("service test.Calc\n  rpc Get  unary\n")
        .contains("    request   io.switchboard.cli.CalcService.GetRequest\n")
        .contains("    response  " + item + "\n")
        .contains("message " + item + "  (array: [field0, field1, ...])\n")
        .contains("  [0]  id     int64\n")
        .contains("  [1]  name   string  (may be null)\n")
        .contains("  [3]  tags   list<string>  (may be null)\n")
        .contains("  [6]  shape  optional<io.switchboard.cli.CalcService.Shape>  (may be null)\n")
        .contains("enum io.switchboard.cli.CalcService.Level")
        .contains("  HIGH = 1\n")
        .contains("union io.switchboard.cli.CalcService.Shape")
        .contains("  1 Square  io.switchboard.cli.CalcService.Square\n")
        .doesNotContain("rpc Count");

    CliRun service = run("describe", "--plaintext", target, "test.Calc");
    assertThat(service.out())
        .contains("rpc Count  server-streaming")
        .contains("rpc Sum  client-streaming")
        .contains("rpc Echo  bidi-streaming")
        .contains("message io.switchboard.cli.CalcService.Amount  (map: {\"field\": value})");
  }

  @Test
  void describeAsJsonGivesTheReflectionForm() throws IOException {
    CliRun r = run("describe", "--plaintext", target, "test.Calc/Sum", "--format", "json");
    assertThat(r.exit()).as(r.toString()).isZero();
    JsonNode service = JSON.readTree(r.out());
    assertThat(service.path("name").asText()).isEqualTo("test.Calc");
    JsonNode sum = service.path("methods").get(0);
    assertThat(sum.path("fullName").asText()).isEqualTo("test.Calc/Sum");
    assertThat(sum.path("kind").asText()).isEqualTo("CLIENT_STREAMING");
    JsonNode amount =
        sum.path("request").path("types").path("io.switchboard.cli.CalcService.Amount");
    assertThat(amount.path("shape").asText()).isEqualTo("map");
    assertThat(amount.path("fields").get(0).path("name").asText()).isEqualTo("value");
  }

  @Test
  void unaryCallPrintsTheResponseAsCanonicalJson() throws IOException {
    CliRun r = call("", "test.Calc/Get", "{\"id\": 7}");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    List<JsonNode> out = lines(r.out());
    assertThat(out).hasSize(1);
    assertThat(out.get(0))
        .isEqualTo(
            JSON.readTree(
                "{\"id\":7,\"name\":\"item-7\",\"level\":\"HIGH\",\"tags\":[\"a\",\"b\"],"
                    + "\"at\":\"2026-12-02T10:00:00.500Z\",\"data\":\"AQID\","
                    + "\"shape\":{\"Square\":{\"side\":7}}}"));
  }

  @Test
  void requestsComeFromAFileOrStdin() throws IOException {
    Path file = Files.writeString(dir.resolve("request.json"), "{\n  \"id\": 3\n}\n");
    CliRun fromFile = call("", "test.Calc/Get", "@" + file);
    assertThat(fromFile.exit()).as(fromFile.toString()).isZero();
    assertThat(lines(fromFile.out()).get(0).path("name").asText()).isEqualTo("item-3");

    CliRun fromStdin = call("{\"id\": 4}", "test.Calc/Get");
    assertThat(fromStdin.exit()).as(fromStdin.toString()).isZero();
    assertThat(lines(fromStdin.out()).get(0).path("name").asText()).isEqualTo("item-4");

    CliRun dash = call("{\"id\": 5}", "test.Calc/Get", "-");
    assertThat(lines(dash.out()).get(0).path("name").asText()).isEqualTo("item-5");

    CliRun missing = call("", "test.Calc/Get", "@" + dir.resolve("absent.json"));
    assertThat(missing.exit()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(missing.err()).contains("absent.json: no such file");
  }

  @Test
  void serverStreamPrintsOneDocumentALine() throws IOException {
    CliRun r = call("", "test.Calc/Count", "{\"n\": 3, \"text\": \"t\"}");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(lines(r.out()).stream().map(n -> n.path("name").asText()))
        .containsExactly("t-0", "t-1", "t-2");
    assertThat(r.out().lines()).hasSize(3);
  }

  @Test
  void maxResponsesStopsAStreamAndExitsZero() throws IOException {
    CliRun r =
        call("", "test.Calc/Count", "{\"n\": 1000, \"text\": \"t\"}", "--max-responses", "2");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(lines(r.out()).stream().map(n -> n.path("name").asText()))
        .containsExactly("t-0", "t-1");
  }

  @Test
  void clientStreamSendsEveryDocumentOfStdin() throws IOException {
    // One a line, pretty-printed, and several on one line: each is one request.
    String stdin = "{\"value\": 1}\n{\n  \"value\": 2\n}\n{\"value\": 3} {\"value\": 4}\n";
    CliRun r = call(stdin, "test.Calc/Sum");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(lines(r.out())).containsExactly(JSON.readTree("{\"sum\":10,\"count\":4}"));

    CliRun none = call("", "test.Calc/Sum");
    assertThat(none.exit()).as(none.toString()).isZero();
    assertThat(lines(none.out())).containsExactly(JSON.readTree("{\"sum\":0,\"count\":0}"));
  }

  @Test
  void bidiStreamAnswersEachRequest() throws IOException {
    String stdin =
        "{\"id\": 1, \"name\": \"ann\", \"level\": \"LOW\"}\n"
            + "{\"id\": 2, \"name\": \"bob\", \"shape\": {\"Circle\": {\"radius\": 1.5}}}\n";
    CliRun r = call(stdin, "test.Calc/Echo");
    assertThat(r.exit()).as(r.toString()).isZero();
    List<JsonNode> out = lines(r.out());
    assertThat(out).hasSize(2);
    assertThat(out.get(0).path("name").asText()).isEqualTo("ANN");
    assertThat(out.get(0).path("level").asText()).isEqualTo("LOW");
    assertThat(out.get(1).path("shape").path("Circle").path("radius").asDouble()).isEqualTo(1.5);
  }

  @Test
  void int64BeyondJavaScriptPrecisionAsStringWhenAsked() throws IOException {
    CliRun plain = call("", "test.Calc/Get", "{\"id\": 9007199254740993}");
    assertThat(lines(plain.out()).get(0).path("id").isNumber()).isTrue();
    CliRun asString =
        call("", "test.Calc/Get", "{\"id\": \"9007199254740993\"}", "--int64-as-string");
    assertThat(asString.exit()).as(asString.toString()).isZero();
    JsonNode id = lines(asString.out()).get(0).path("id");
    assertThat(id.isTextual()).isTrue();
    assertThat(id.asText()).isEqualTo("9007199254740993");
  }

  @Test
  void verbosePrintsResponseHeadersAndTrailers() throws IOException {
    CliRun r = call("", "test.Calc/Get", "{\"id\": 1}", "-v");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(lines(r.out())).hasSize(1);
    assertThat(r.err())
        .startsWith("switchboard: response headers\n")
        .contains("  content-type: application/grpc\n")
        .contains("switchboard: response trailers\n");
  }

  @Test
  void aMethodWithoutSchemaIsCalledSchemalessWithAWarning() {
    TestServer echo =
        grpc.nettyServer(
            new io.switchboard.testing.EchoService("e").definition(),
            SchemaReflection.newService());
    CliRun r = run("call", "--plaintext", echo.target(), "test.Echo/Echo", "{\"a\": 1}");
    assertThat(r.err())
        .startsWith(
            "switchboard: warning: test.Echo/Echo publishes no schema for its requests"
                + " (not MessagePackMarshaller's): JSON objects go as MessagePack maps, as is\n");
    // Its UTF-8 answer is no MessagePack message: INTERNAL, naming the response.
    assertThat(r.exit()).as(r.toString()).isEqualTo(64 + 13);
    assertThat(r.err()).contains("switchboard: INTERNAL: response 1: ");
  }

  @Test
  void failingCallExitsWith64PlusItsStatusCode() {
    CliRun r = call("", "test.Calc/Get", "{\"id\": 404}");
    assertThat(r.exit()).as(r.toString()).isEqualTo(64 + 5);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("switchboard: NOT_FOUND: no item 404\n");
  }

  @Test
  void deadlineExceededExits68() {
    CliRun r = call("", "test.Calc/Hang", "{\"id\": 1}", "--deadline", "200ms");
    assertThat(r.exit()).as(r.toString()).isEqualTo(64 + 4);
    assertThat(r.err()).startsWith("switchboard: DEADLINE_EXCEEDED");
  }

  @Test
  void headersReachTheServer() throws IOException {
    CliRun r =
        call("", "test.Calc/Who", "{}", "-H", "x-user: ann", "--header", "x-trace-bin: AQID");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(lines(r.out())).containsExactly(JSON.readTree("{\"user\":\"ann\"}"));
    byte[] trace =
        calc.lastHeaders
            .get()
            .get(io.grpc.Metadata.Key.of("x-trace-bin", io.grpc.Metadata.BINARY_BYTE_MARSHALLER));
    assertThat(trace).containsExactly(1, 2, 3);

    CliRun bad = call("", "test.Calc/Who", "{}", "-H", "no colon");
    assertThat(bad.exit()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(bad.err()).contains("-H 'no colon': expected 'NAME: VALUE'");
  }

  @Test
  void badJsonIsAnInputErrorAndNothingIsSent() {
    long before = calc.calls.get();
    CliRun wrongType = call("", "test.Calc/Get", "{\"id\": \"seven\"}");
    assertThat(wrongType.exit()).as(wrongType.toString()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(wrongType.err())
        .startsWith(
            "switchboard: request 1: cannot read JSON as io.switchboard.cli.CalcService.GetRequest at $.id");

    CliRun unknownField = call("", "test.Calc/Get", "{\"idd\": 1}");
    assertThat(unknownField.exit()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(unknownField.err()).contains("idd");

    CliRun malformed = call("", "test.Calc/Get", "{\"id\": ");
    assertThat(malformed.exit()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(malformed.err()).contains("request 1: malformed JSON at line 1");

    CliRun two = call("{\"id\": 1} {\"id\": 2}", "test.Calc/Get");
    assertThat(two.exit()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(two.err()).contains("more than one request: test.Calc/Get is unary");

    CliRun none = call("", "test.Calc/Get");
    assertThat(none.exit()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(none.err()).contains("no request: test.Calc/Get takes one JSON document");

    // Only the schema lookups reached the server, never a Calc call.
    assertThat(calc.calls.get()).isEqualTo(before);
  }

  @Test
  void badStreamedRequestCancelsTheCallWithAnInputError() {
    CliRun r = call("{\"value\": 1}\n{\"value\": \"x\"}\n", "test.Calc/Sum");
    assertThat(r.exit()).as(r.toString()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(r.err()).contains("request 2: cannot read JSON as").contains("$.value");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void unknownServiceOrMethodIsNotFound() {
    CliRun method = call("", "test.Calc/Nope", "{}");
    assertThat(method.exit()).as(method.toString()).isEqualTo(64 + 5);
    assertThat(method.err()).contains("no method Nope in test.Calc; it has [Count, Echo");

    CliRun service = run("describe", "--plaintext", target, "test.Nope");
    assertThat(service.exit()).isEqualTo(64 + 5);
    assertThat(service.err()).contains("no service \"test.Nope\" on this server");
  }

  @Test
  void serverWithoutReflectionIsUnimplementedWithAHint() {
    TestServer bare = grpc.nettyServer(calc.definition());
    CliRun r = run("list", "--plaintext", bare.target());
    assertThat(r.exit()).as(r.toString()).isEqualTo(64 + 12);
    assertThat(r.err())
        .contains("publishes no schemas")
        .contains("add SchemaReflection.newService() to the server");
  }

  @Test
  void nothingListeningIsUnavailable() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    CliRun r = run("list", "--plaintext", "127.0.0.1:" + port);
    assertThat(r.exit()).as(r.toString()).isEqualTo(64 + 14);
    assertThat(r.err()).startsWith("switchboard: UNAVAILABLE");
  }

  @Test
  void usageErrorsExit2WithAHint() {
    CliRun missing = run("call", "--plaintext", target);
    assertThat(missing.exit()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(missing.err()).contains("Missing required parameter").contains("--help");

    CliRun badDeadline = call("", "test.Calc/Get", "{}", "--deadline", "soon");
    assertThat(badDeadline.exit()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(badDeadline.err()).contains("'soon' is not a positive duration");

    CliRun noMethod = call("", "test.Calc", "{}");
    assertThat(noMethod.exit()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(noMethod.err()).contains("'test.Calc': no method");

    CliRun tlsAndPlain = run("list", "--plaintext", "--cacert", "ca.pem", target);
    assertThat(tlsAndPlain.exit()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(tlsAndPlain.err()).contains("--plaintext cannot go with --cacert");

    CliRun noCommand = run();
    assertThat(noCommand.exit()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(noCommand.err()).contains("Usage: switchboard").contains("64+N");
  }

  @Test
  void helpDocumentsTheExitCodes() {
    CliRun r = run("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains("list", "describe", "call", "schema")
        .contains("Exit codes:")
        .contains("64+N");
    assertThat(Arrays.asList(r.out().split("\n"))).anyMatch(l -> l.contains("69 NOT_FOUND"));
  }
}
