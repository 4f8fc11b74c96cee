package io.switchboard.cli;

import io.switchboard.msgpack.schema.MethodSchema;
import io.switchboard.msgpack.schema.ServiceSchema;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code describe HOST:PORT SERVICE[/METHOD]}: methods, call kinds and message layouts. */
@Command(
    name = "describe",
    mixinStandardHelpOptions = true,
    description = {
      "Describes a service (every method) or one method: call kind, request and response"
          + " messages with each field's index, name, type and whether it may be null."
    })
final class DescribeCommand implements Callable<Integer> {
  /** How to print the description. */
  enum Format {
    text,
    json
  }

  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The server (or the gateway).")
  String target;

  @Parameters(
      index = "1",
      paramLabel = "SERVICE[/METHOD]",
      description = "A service, e.g. demo.UserService, or one method, demo.UserService/GetUser.")
  String name;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description =
          "text (default) or json: the service's schema as the reflection service sends it"
              + " (WIRE-FORMAT.md), shown as JSON.")
  Format format = Format.text;

  @Override
  public Integer call() {
    MethodName parsed = MethodName.parse(name, false);
    PrintWriter out = spec.commandLine().getOut();
    try (Connection c = Connection.open(target, connection)) {
      ServiceSchema service = c.describeService(parsed.service());
      List<MethodSchema> methods = service.methods();
      if (parsed.method() != null) {
        methods = List.of(parsed.find(service));
      }
      if (format == Format.json) {
        out.println(SchemaJson.service(service.name(), methods));
      } else {
        out.print(SchemaText.describe(service.name(), methods));
      }
    }
    out.flush();
    return SwitchboardCli.OK;
  }
}
