package io.switchboard.gateway;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs a {@link Gateway} on its own, from a routes file (format: see the module README).
 *
 * <pre>
 * java -cp switchboard-gateway.jar:... io.switchboard.gateway.GatewayMain routes.txt \
 *     [--port 8080] [--host 0.0.0.0] [--tls-cert tls.crt --tls-key tls.key [--client-ca ca.crt]]
 *     [--cors-origin https://app.example.com]...
 * </pre>
 *
 * <p>When the environment variable {@value #TOKEN_VARIABLE} is set, every call must carry {@code
 * authorization: Bearer <that token>}. The gateway stops gracefully on SIGTERM / Ctrl-C.
 */
public final class GatewayMain {
  /** The environment variable holding the bearer token calls must present, if any. */
  public static final String TOKEN_VARIABLE = "SWITCHBOARD_GATEWAY_TOKEN";

  /** The port when none is given: the conventional alternative HTTP port. */
  public static final int DEFAULT_PORT = 8080;

  private GatewayMain() {}

  /**
   * Starts the gateway and blocks until it stops. Exits with status 2 on bad arguments or a bad
   * routes file, printing why.
   *
   * @param args the routes file, then optional {@code --port N}, {@code --host ADDRESS}, {@code
   *     --tls-cert PEM --tls-key PEM}, {@code --client-ca PEM} (clients must present a certificate
   *     it signed), {@code --cors-origin ORIGIN} (repeatable)
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    Gateway gateway;
    try {
      gateway = configure(args, System.getenv(TOKEN_VARIABLE)).build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      usage(System.err, e.getMessage());
      System.exit(2);
      return;
    }
    gateway.start();
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "gateway-shutdown"));
    System.out.println("switchboard gateway listening on " + gateway.address());
    for (Route route : gateway.routes()) {
      System.out.println("  " + route.name() + "  " + route.services() + " -> " + route.target());
    }
    gateway.awaitTermination();
  }

  /** Parses the command line into a gateway builder. */
  static Gateway.Builder configure(String[] args, String token) throws IOException {
    if (args.length == 0 || args[0].startsWith("--")) {
      throw new IllegalArgumentException("no routes file (expected: first argument)");
    }
    List<Route> routes = RoutesFile.read(Path.of(args[0]));
    Gateway.Builder builder = Gateway.builder().routes(routes).port(DEFAULT_PORT);
    Path cert = null;
    Path key = null;
    Path clientCa = null;
    Cors.Builder cors = null;
    for (int i = 1; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + ": no value");
      }
      String value = args[i + 1];
      switch (args[i]) {
        case "--port" -> builder.port(Integer.parseInt(value));
        case "--host" -> builder.bindAddress(InetAddress.getByName(value));
        case "--tls-cert" -> cert = Path.of(value);
        case "--tls-key" -> key = Path.of(value);
        case "--client-ca" -> clientCa = Path.of(value);
        case "--cors-origin" -> {
          if (cors == null) {
            cors = Cors.newBuilder();
          }
          cors.allowOrigin(value);
        }
        default ->
            throw new IllegalArgumentException(
                "unknown option "
                    + args[i]
                    + " (expected: --port, --host, --tls-cert, --tls-key, --client-ca,"
                    + " --cors-origin)");
      }
    }
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key (expected: both or neither)");
    }
    if (cert != null) {
      ServerTls.Builder tls = ServerTls.newBuilder(cert, key);
      if (clientCa != null) {
        tls.clientCertificates(ServerTls.ClientCertificates.REQUIRED, clientCa);
      }
      builder.tls(tls.build());
    } else if (clientCa != null) {
      throw new IllegalArgumentException("--client-ca needs --tls-cert and --tls-key");
    }
    if (cors != null) {
      builder.cors(cors.build());
    }
    if (token != null && !token.isEmpty()) {
      builder.authenticator(Authenticator.bearerToken(token));
    }
    return builder;
  }

  private static void usage(PrintStream out, String problem) {
    out.println("error: " + problem);
    out.println(
        "usage: GatewayMain <routes-file> [--port N] [--host ADDRESS] [--tls-cert PEM --tls-key PEM"
            + " [--client-ca PEM]] [--cors-origin ORIGIN]...   (env "
            + TOKEN_VARIABLE
            + "=token to require a bearer token)");
  }
}
