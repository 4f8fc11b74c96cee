package io.switchboard.cli;

import io.switchboard.msgpack.schema.MethodSchema;
import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.msgpack.schema.ServiceSchema;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code schema HOST:PORT [SERVICE...] --format jsonschema|typescript}: types for other languages.
 */
@Command(
    name = "schema",
    mixinStandardHelpOptions = true,
    description = {
      "Exports the canonical JSON form of the services' messages for other languages: a JSON"
          + " Schema (draft 2020-12) document, or TypeScript declarations.",
      "Without SERVICE: every service with a MessagePack schema (the reflection service aside)."
    })
final class SchemaCommand implements Callable<Integer> {
  /** The export formats. */
  enum Format {
    jsonschema,
    typescript
  }

  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The server (or the gateway).")
  String target;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "SERVICE", description = "Services.")
  List<String> services = new ArrayList<>();

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "jsonschema (default) or typescript.")
  Format format = Format.jsonschema;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write to FILE instead of stdout.")
  Path output;

  @Override
  public Integer call() throws IOException {
    List<ServiceSchema> described = new ArrayList<>();
    try (Connection c = Connection.open(target, connection)) {
      if (services.isEmpty()) {
        for (String name : c.listServices()) {
          if (!name.equals(SchemaReflection.SERVICE_NAME)) {
            ServiceSchema s = c.describeService(name);
            if (s.methods().stream().anyMatch(SchemaCommand::hasSchema)) {
              described.add(s);
            }
          }
        }
      } else {
        for (String name : services) {
          described.add(c.describeService(name));
        }
      }
    }
    String title = "Switchboard services at " + target;
    String text =
        format == Format.typescript
            ? TypeScriptExport.export(title, described)
            : JsonSchemaExport.export(title, described);
    if (output == null) {
      PrintWriter out = spec.commandLine().getOut();
      out.print(text);
      out.flush();
    } else {
      try {
        Files.writeString(output, text, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw CliException.usage("--output " + output + ": cannot write it: " + e.getMessage());
      }
    }
    return SwitchboardCli.OK;
  }

  private static boolean hasSchema(MethodSchema m) {
    return m.request() != null || m.response() != null;
  }
}
