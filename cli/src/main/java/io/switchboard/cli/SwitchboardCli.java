package io.switchboard.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code switchboard} command line: {@code list}, {@code describe}, {@code call} and {@code
 * schema} against any server that publishes its schemas ({@code
 * server.addService(SchemaReflection.newService())}), directly or through the gateway.
 *
 * <pre>
 * switchboard list --plaintext 127.0.0.1:9090
 * switchboard describe --plaintext 127.0.0.1:9090 demo.UserService/GetUser
 * switchboard call --plaintext 127.0.0.1:9090 demo.UserService/GetUser '{"id": 1}'
 * switchboard schema --plaintext 127.0.0.1:9090 --format jsonschema -o users.schema.json
 * </pre>
 *
 * <p>Exit codes: {@value #OK} when every call succeeded; {@value #FAILED} when the command itself
 * failed (a bug); {@value #USAGE} for a usage or input error (bad option, unreadable file, JSON
 * that does not fit the request's schema: nothing was sent); {@value #STATUS_OFFSET}{@code + N}
 * when a call (or the server's schema reflection) ended with gRPC status code {@code N}, e.g. 69
 * for NOT_FOUND (5), 68 for DEADLINE_EXCEEDED (4), 78 for UNAVAILABLE (14), as grpcurl does.
 */
@Command(
    name = "switchboard",
    mixinStandardHelpOptions = true,
    versionProvider = SwitchboardCli.Version.class,
    description = {
      "Calls code-first MessagePack gRPC services with JSON, through their published schemas"
          + " (switchboard.reflection.v1.SchemaReflection).",
    },
    subcommands = {
      ListCommand.class,
      DescribeCommand.class,
      CallCommand.class,
      SchemaCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every call succeeded",
      "1:the CLI itself failed (a bug)",
      "2:usage or input error (bad option, unreadable file, JSON not fitting the schema):"
          + " nothing was sent",
      "64+N:a call ended with gRPC status code N, e.g. 65 CANCELLED, 67 INVALID_ARGUMENT,"
          + " 68 DEADLINE_EXCEEDED, 69 NOT_FOUND, 76 UNIMPLEMENTED, 77 INTERNAL,"
          + " 78 UNAVAILABLE, 80 UNAUTHENTICATED"
    })
public final class SwitchboardCli implements Callable<Integer> {
  /** Exit code of a command whose calls all succeeded. */
  public static final int OK = 0;

  /** Exit code of a command that failed in the CLI itself (an unexpected exception). */
  public static final int FAILED = 1;

  /** Exit code of a usage or input error: nothing was sent. */
  public static final int USAGE = 2;

  /** A call that ended with status code N exits with this + N (grpcurl's convention). */
  public static final int STATUS_OFFSET = 64;

  private final InputStream stdin;

  @Spec private CommandSpec spec;

  private SwitchboardCli(InputStream stdin) {
    this.stdin = stdin;
  }

  /**
   * Runs the command line and exits the JVM with its {@linkplain SwitchboardCli exit code}.
   *
   * @param args the command line, e.g. {@code list --plaintext 127.0.0.1:9090}
   */
  public static void main(String[] args) {
    System.exit(newCommandLine(System.in).execute(args));
  }

  /**
   * Returns the command line reading requests from {@code stdin}; set its output and error writers
   * ({@link CommandLine#setOut}, {@link CommandLine#setErr}) to capture them, then {@link
   * CommandLine#execute} it for the exit code.
   *
   * @throws NullPointerException if {@code stdin} is null
   */
  public static CommandLine newCommandLine(InputStream stdin) {
    CommandLine commandLine = new CommandLine(new SwitchboardCli(Objects.requireNonNull(stdin)));
    commandLine.setExpandAtFiles(false); // @FILE is a request file, not picocli's argument file
    commandLine.setExecutionExceptionHandler((e, cl, parsed) -> report(cl.getErr(), e));
    commandLine.setParameterExceptionHandler(
        (e, args) -> {
          PrintWriter err = e.getCommandLine().getErr();
          err.println("switchboard: " + e.getMessage());
          CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
          err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
          err.flush();
          return USAGE;
        });
    return commandLine;
  }

  /** Prints a failure as one line and returns its exit code. */
  static int report(PrintWriter err, Exception e) {
    int code;
    String message;
    if (e instanceof CliException cli) {
      code = cli.exitCode();
      message = cli.getMessage();
    } else if (e instanceof StatusRuntimeException s) {
      code = exitCode(s.getStatus());
      message = describe(s.getStatus());
    } else {
      code = FAILED;
      message = "internal error: " + e;
    }
    err.println("switchboard: " + message);
    err.flush();
    return code;
  }

  /** Returns the exit code of a call that ended with this status. */
  static int exitCode(Status status) {
    return status.isOk() ? OK : STATUS_OFFSET + status.getCode().value();
  }

  /** Returns "CODE: description" (or "CODE" alone). */
  static String describe(Status status) {
    String description = status.getDescription();
    Throwable cause = status.getCause();
    if (description == null && cause != null) {
      description = cause.getMessage();
    }
    return status.getCode() + (description == null ? "" : ": " + description);
  }

  InputStream stdin() {
    return stdin;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return USAGE;
  }

  /** The version from the jar's manifest, when there is one. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SwitchboardCli.class.getPackage().getImplementationVersion();
      return new String[] {"switchboard " + (v == null ? "(development build)" : v)};
    }
  }
}
