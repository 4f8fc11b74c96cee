package io.switchboard.cli;

import io.switchboard.msgpack.schema.MethodSchema;
import io.switchboard.msgpack.schema.ServiceSchema;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code list HOST:PORT [SERVICE]}: the services, or one service's methods, one a line. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = {
      "Lists the services on the server, one a line; with SERVICE, its methods"
          + " (SERVICE/METHOD, ready for `call`)."
    })
final class ListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The server (or the gateway).")
  String target;

  @Parameters(index = "1", arity = "0..1", paramLabel = "SERVICE", description = "A service.")
  String service;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (Connection c = Connection.open(target, connection)) {
      if (service == null) {
        c.listServices().forEach(out::println);
      } else {
        ServiceSchema schema = c.describeService(service);
        for (MethodSchema m : schema.methods()) {
          out.println(m.fullName());
        }
      }
    }
    out.flush();
    return SwitchboardCli.OK;
  }
}
