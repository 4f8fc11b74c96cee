package io.switchboard.examples;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.switchboard.core.internal.DaemonThreadFactory;
import io.switchboard.examples.logs.LogLevel;
import io.switchboard.examples.logs.LogLine;
import io.switchboard.examples.logs.LogStreamApi;
import io.switchboard.examples.logs.LogStreamService;
import io.switchboard.examples.logs.LogsDemo;
import io.switchboard.examples.users.UserApi;
import io.switchboard.examples.users.UserRepository;
import io.switchboard.examples.users.UserService;
import io.switchboard.gateway.Gateway;
import io.switchboard.gateway.Route;
import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.stream.EventLog;
import io.switchboard.stream.jdbc.JdbcEventStore;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The demo's services as a server you can call: {@code demo.UserService} (GetUser, BatchGetUsers,
 * BatchUpdateUsers, backed by H2), {@code demo.LogStreamService} (StreamLogs, with a line logged
 * every second into an H2 table through {@code JdbcEventStore}, the 50,000 latest kept),
 * Switchboard's schema reflection and grpc.health.v1, on one port; the gateway in front of them on
 * another. It runs until Ctrl-C (or SIGTERM), then stops the gateway and the server, letting calls
 * in flight finish for up to {@value #GRACE_SECONDS} seconds.
 *
 * <pre>
 * mvn -B -q -pl examples -am package -DskipTests
 * java -jar examples/target/switchboard-example-server.jar --port 9090 --gateway-port 8080
 * </pre>
 *
 * <p>Options: {@code --host} (default 127.0.0.1: loopback only), {@code --port} (default 9090),
 * {@code --gateway-port} (default 8080), {@code --users} (default 10000). Port 0 takes a free port;
 * the line starting with {@code ready:} gives the ports taken.
 */
public final class ExampleServer implements AutoCloseable {
  /** Loopback only, unless asked otherwise: a demo has no business on other interfaces. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** The services' default port: the usual one for a local gRPC server. */
  public static final int DEFAULT_PORT = 9090;

  /** The gateway's default port: the usual one for a local HTTP front. */
  public static final int DEFAULT_GATEWAY_PORT = 8080;

  /** Ten thousand users: enough for batch calls of a thousand ids, loaded in about a second. */
  public static final int DEFAULT_USERS = 10_000;

  /** Five seconds for calls in flight at Ctrl-C: a unary call is long done, a stream is cut. */
  public static final int GRACE_SECONDS = 5;

  private static final String[] LOG_SERVICES = {"billing", "search", "users", "mail"};

  private final UserRepository users;
  private final UserService userService;
  private final JdbcConnectionPool logDatabase;
  private final JdbcEventStore<LogLine> logStore;
  private final EventLog<LogLine> log;
  private final ScheduledExecutorService logWriter;
  private final Server server;
  private final Gateway gateway;
  private final String host;

  private ExampleServer(String host, int port, int gatewayPort, int userCount) throws IOException {
    this.host = host;
    InetAddress address = InetAddress.getByName(host);
    this.users = new UserRepository(userCount);
    this.userService = new UserService(users);
    this.logDatabase =
        JdbcConnectionPool.create(
            "jdbc:h2:mem:example-logs-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
    this.logStore = LogsDemo.openStore(logDatabase);
    this.log = EventLog.over(logStore); // tails the store, as replicas sharing it would
    AtomicLong written = new AtomicLong();
    this.logWriter =
        Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("example-log-writer-"));
    Server started = null;
    try {
      logWriter.scheduleAtFixedRate(
          () -> {
            long n = written.incrementAndGet();
            log.append(
                new LogLine(
                    LOG_SERVICES[(int) (n % LOG_SERVICES.length)],
                    n % 10 == 0 ? LogLevel.WARN : LogLevel.INFO,
                    "line " + n));
          },
          0,
          1,
          TimeUnit.SECONDS);
      HealthStatusManager health = new HealthStatusManager();
      started =
          NettyServerBuilder.forAddress(new InetSocketAddress(address, port))
              .addService(userService.definition())
              .addService(new LogStreamService(log).definition())
              .addService(SchemaReflection.newService())
              .addService(health.getHealthService())
              .build()
              .start();
      this.server = started;
      String backend = backendTarget((InetSocketAddress) server.getListenSockets().get(0));
      this.gateway =
          Gateway.builder()
              .bindAddress(address)
              .port(gatewayPort)
              .route(
                  Route.named("users")
                      .service(UserApi.SERVICE.name())
                      .target(backend)
                      .usePlaintext()
                      .build())
              .route(
                  Route.named("logs")
                      .service(LogStreamApi.SERVICE.name())
                      .target(backend)
                      .usePlaintext()
                      .build())
              .route(
                  Route.named("default")
                      .service(Route.DEFAULT_PATTERN)
                      .target(backend)
                      .usePlaintext()
                      .build())
              .build()
              .start();
    } catch (IOException | RuntimeException | Error e) {
      if (started != null) {
        started.shutdownNow();
      }
      logWriter.shutdownNow();
      log.close();
      logStore.close();
      logDatabase.dispose();
      userService.close();
      users.close();
      throw e;
    }
  }

  /** The gateway's way to the services: their address, or loopback when they bind every one. */
  private static String backendTarget(InetSocketAddress listening) {
    InetAddress address =
        listening.getAddress().isAnyLocalAddress()
            ? InetAddress.getLoopbackAddress()
            : listening.getAddress();
    String host = address.getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + listening.getPort();
  }

  /**
   * Starts the services and the gateway.
   *
   * @param host the address both bind to
   * @param port the services' port, 0 for a free one
   * @param gatewayPort the gateway's port, 0 for a free one
   * @param userCount how many users the database starts with
   * @return the running server; close it to stop everything
   * @throws IOException if a port cannot be bound
   * @throws UnknownHostException if the host is not an address or a known name
   */
  public static ExampleServer start(String host, int port, int gatewayPort, int userCount)
      throws IOException {
    return new ExampleServer(host, port, gatewayPort, userCount);
  }

  /** Returns the services' port. */
  public int port() {
    return server.getPort();
  }

  /** Returns the gateway's port. */
  public int gatewayPort() {
    return gateway.port();
  }

  /**
   * Stops the gateway, then the server, each letting calls in flight finish for up to {@value
   * #GRACE_SECONDS} seconds before cancelling them; then the log writer and the database.
   */
  @Override
  public void close() {
    try {
      gateway.stop(Duration.ofSeconds(GRACE_SECONDS));
      server.shutdown();
      if (!server.awaitTermination(GRACE_SECONDS, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(GRACE_SECONDS, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      logWriter.shutdownNow();
      log.close();
      logStore.close();
      logDatabase.dispose();
      userService.close();
      users.close();
    }
  }

  /**
   * Runs the example server until the process is stopped.
   *
   * @param args {@code [--host H] [--port P] [--gateway-port G] [--users N]}
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    String host = DEFAULT_HOST;
    int port = DEFAULT_PORT;
    int gatewayPort = DEFAULT_GATEWAY_PORT;
    int userCount = DEFAULT_USERS;
    try {
      for (int i = 0; i < args.length; i++) {
        String value = i + 1 < args.length ? args[i + 1] : null;
        switch (args[i]) {
          case "--host" -> host = required(args[i], value);
          case "--port" -> port = port(args[i], value);
          case "--gateway-port" -> gatewayPort = port(args[i], value);
          case "--users" -> userCount = count(args[i], value);
          case "-h", "--help" -> {
            usage(out);
            return;
          }
          default -> throw new IllegalArgumentException("unknown option: " + args[i]);
        }
        i++;
      }
    } catch (IllegalArgumentException e) {
      System.err.println("example server: " + e.getMessage());
      usage(System.err);
      System.exit(2);
      return;
    }

    ExampleServer running = start(host, port, gatewayPort, userCount);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  out.println("stopping: gateway, then services (up to " + GRACE_SECONDS + " s)");
                  running.close();
                  out.println("example server stopped");
                  out.flush();
                  stopped.countDown();
                },
                "example-server-stop"));
    String services = running.host + ":" + running.port();
    out.println("Switchboard example server");
    for (String line :
        List.of(
            "services on " + services + ":",
            "  demo.UserService       GetUser, BatchGetUsers, BatchUpdateUsers ("
                + userCount
                + " users in H2)",
            "  demo.LogStreamService  StreamLogs (a line a second)",
            "  " + SchemaReflection.SERVICE_NAME + ", grpc.health.v1.Health",
            "gateway on "
                + running.host
                + ":"
                + running.gatewayPort()
                + ": routes users, logs,"
                + " default -> "
                + services)) {
      out.println("  " + line);
    }
    out.printf(
        Locale.ROOT,
        "ready: services %s:%d, gateway %s:%d (Ctrl-C stops)%n",
        running.host,
        running.port(),
        running.host,
        running.gatewayPort());
    out.flush();
    stopped.await();
  }

  private static void usage(PrintStream out) {
    out.println(
        "usage: java -jar switchboard-example-server.jar [--host 127.0.0.1] [--port 9090]"
            + " [--gateway-port 8080] [--users 10000]");
  }

  private static String required(String option, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(option + ": missing value");
    }
    return value;
  }

  private static int port(String option, String value) {
    int port = number(option, required(option, value));
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(option + ": " + port + " (expected: 0..65535)");
    }
    return port;
  }

  private static int count(String option, String value) {
    int count = number(option, required(option, value));
    if (count < 1) {
      throw new IllegalArgumentException(option + ": " + count + " (expected: > 0)");
    }
    return count;
  }

  private static int number(String option, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + ": " + value + " (expected: a number)");
    }
  }
}
