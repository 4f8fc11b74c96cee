package io.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.testing.GrpcExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code schema}: JSON Schema and TypeScript exports of a server's services. */
class SchemaExportTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ITEM = "io.switchboard.cli.CalcService.Item";

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  @TempDir Path dir;

  private String start() {
    return grpc.nettyServer(new CalcService().definition(), SchemaReflection.newService()).target();
  }

  @Test
  void jsonSchemaDescribesEveryMethodAndType() throws Exception {
    String target = start();
    Path file = dir.resolve("calc.schema.json");
    CliRun r =
        CliRun.run(
            "schema", "--plaintext", target, "--format", "jsonschema", "-o", file.toString());
    assertThat(r.exit()).as(r.toString()).isZero();
    JsonNode doc = JSON.readTree(Files.readString(file));

    assertThat(doc.path("$schema").asText()).isEqualTo(JsonSchemaExport.DIALECT);
    JsonNode services = doc.path("x-switchboard-services");
    assertThat(iterable(services.fieldNames())).containsExactly("test.Calc"); // no reflection
    JsonNode get = services.path("test.Calc").path("Get");
    assertThat(get.path("path").asText()).isEqualTo("/test.Calc/Get");
    assertThat(get.path("kind").asText()).isEqualTo("UNARY");
    assertThat(get.path("response").path("$ref").asText()).isEqualTo("#/$defs/" + ITEM);
    assertThat(services.path("test.Calc").path("Count").path("kind").asText())
        .isEqualTo("SERVER_STREAMING");

    // Every $ref resolves to a definition.
    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).startsWith("#/$defs/");
      assertThat(doc.path("$defs").has(ref.substring("#/$defs/".length())))
          .as("definition of %s", ref)
          .isTrue();
    }

    JsonNode item = doc.path("$defs").path(ITEM);
    assertThat(item.path("type").asText()).isEqualTo("object");
    assertThat(item.path("x-switchboard-shape").asText()).isEqualTo("array");
    assertThat(item.path("additionalProperties").asBoolean(true)).isFalse();
    JsonNode id = item.path("properties").path("id");
    assertThat(id.path("x-switchboard-index").asInt()).isZero();
    assertThat(id.path("x-switchboard-type").asText()).isEqualTo("int64");
    assertThat(id.path("anyOf").get(0).path("type").asText()).isEqualTo("integer");
    assertThat(id.path("anyOf").get(1).path("type").asText()).isEqualTo("string");
    JsonNode name = item.path("properties").path("name");
    assertThat(name.path("anyOf").get(0).path("type").asText()).isEqualTo("string");
    assertThat(name.path("anyOf").get(1).path("type").asText()).isEqualTo("null");
    JsonNode at = item.path("properties").path("at").path("anyOf").get(0);
    assertThat(at.path("format").asText()).isEqualTo("date-time");
    JsonNode data = item.path("properties").path("data").path("anyOf").get(0);
    assertThat(data.path("contentEncoding").asText()).isEqualTo("base64");

    JsonNode level = doc.path("$defs").path("io.switchboard.cli.CalcService.Level");
    assertThat(level.path("enum"))
        .containsExactly(JSON.readTree("\"LOW\""), JSON.readTree("\"HIGH\""));
    assertThat(level.path("x-switchboard-values").path("HIGH").asInt()).isEqualTo(1);

    JsonNode shape = doc.path("$defs").path("io.switchboard.cli.CalcService.Shape");
    assertThat(shape.path("oneOf")).hasSize(2);
    JsonNode square = shape.path("oneOf").get(1);
    assertThat(square.path("required").get(0).asText()).isEqualTo("Square");
    assertThat(square.path("x-switchboard-tag").asInt()).isEqualTo(1);
  }

  @Test
  void typeScriptDeclaresInterfacesEnumsUnionsAndServices() {
    String target = start();
    CliRun r = CliRun.run("schema", "--plaintext", target, "test.Calc", "--format", "typescript");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("export interface Item {\n  id?: number | string; // [0]\n")
        .contains("  name?: string | null; // [1]\n")
        .contains("  tags?: Array<string> | null; // [3]\n")
        .contains("  shape?: Shape | null; // [6]\n")
        .contains("export type Level =\n  | \"LOW\"\n  | \"HIGH\";\n")
        .contains("export type Shape =\n  | { Circle: Circle }\n  | { Square: Square };\n")
        .contains("export interface Amount {\n  value?: number | string;\n}\n")
        .contains(
            "    Get: { path: \"/test.Calc/Get\"; kind: \"UNARY\"; request: GetRequest;"
                + " response: Item };\n");
  }

  @Test
  void pointerEscapesGenericNames() {
    assertThat(JsonSchemaExport.pointer("demo.Page<demo.User>"))
        .isEqualTo("demo.Page%3Cdemo.User%3E");
    assertThat(JsonSchemaExport.pointer("a/b~c")).isEqualTo("a~1b~0c");
  }

  private static void collectRefs(JsonNode node, List<String> refs) {
    if (node.isObject()) {
      if (node.has("$ref")) {
        refs.add(node.get("$ref").asText());
      }
      node.elements().forEachRemaining(n -> collectRefs(n, refs));
    } else if (node.isArray()) {
      node.elements().forEachRemaining(n -> collectRefs(n, refs));
    }
  }

  private static List<String> iterable(Iterator<String> names) {
    List<String> list = new ArrayList<>();
    names.forEachRemaining(list::add);
    return list;
  }
}
