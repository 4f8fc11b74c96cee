package io.switchboard.testing;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that starts gRPC servers for a test and shuts down everything the test
 * registered: the JUnit 5 counterpart of grpc-testing's JUnit 4 {@code GrpcCleanupRule}.
 *
 * <pre>{@code
 * @RegisterExtension final GrpcExtension grpc = new GrpcExtension();
 *
 * @Test void getsUser() {
 *   TestServer server = grpc.nettyServer(userService);      // 127.0.0.1, ephemeral port
 *   RpcClient client = RpcClient.create(server.newChannel()); // shut down after the test
 *   ...
 * }
 * }</pre>
 *
 * <p>Servers bind to the loopback address only. Registered in an instance field, everything is shut
 * down after each test; in a static field, what is registered outside a test (in
 * {@code @BeforeAll}) is shut down after all tests of the class, and what is registered inside a
 * test after that test.
 *
 * <p>Cleanup shuts down all resources in reverse order of registration ({@code shutdown()}, then
 * {@code shutdownNow()} for what has not terminated within the timeout) and fails the test with an
 * {@link AssertionError} naming any resource that still did not terminate. Thread-safe.
 */
public final class GrpcExtension
    implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {
  /** How long cleanup waits for each graceful shutdown: long enough for loopback calls to end. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

  /**
   * How long a server on a fixed port retries binding: NIO releases a closed listening socket on
   * its selector's next wake-up, within milliseconds; 5 s covers a loaded machine.
   */
  public static final Duration FIXED_PORT_BIND_TIMEOUT = Duration.ofSeconds(5);

  /** Pause between bind attempts: short against the usual release time of a few milliseconds. */
  private static final Duration BIND_RETRY_PAUSE = Duration.ofMillis(20);

  private final Duration shutdownTimeout;
  private final List<Object> classResources = new ArrayList<>();
  private final List<Object> testResources = new ArrayList<>();
  private boolean inTest;

  /** Creates an extension with the {@linkplain #DEFAULT_SHUTDOWN_TIMEOUT default} timeout. */
  public GrpcExtension() {
    this(DEFAULT_SHUTDOWN_TIMEOUT);
  }

  /**
   * Creates an extension that waits up to {@code shutdownTimeout} for each graceful shutdown.
   *
   * @throws IllegalArgumentException if the timeout is negative
   */
  public GrpcExtension(Duration shutdownTimeout) {
    Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    if (shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "shutdownTimeout: " + shutdownTimeout + " (expected: >= 0)");
    }
    this.shutdownTimeout = shutdownTimeout;
  }

  /**
   * Starts an in-process server with a generated unique name, serving the given services.
   *
   * @throws NullPointerException if a service is null
   */
  public TestServer inProcessServer(ServerServiceDefinition... services) {
    return inProcessServer(builder -> {}, services);
  }

  /**
   * Starts an in-process server with a generated unique name; {@code configure} may set the
   * executor, interceptors, limits and so on before it starts.
   *
   * @throws NullPointerException if an argument is null
   */
  public TestServer inProcessServer(
      Consumer<InProcessServerBuilder> configure, ServerServiceDefinition... services) {
    Objects.requireNonNull(configure, "configure");
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name);
    addServices(builder::addService, services);
    configure.accept(builder);
    Server server = start(builder.build());
    return new TestServer(server, null, name, () -> InProcessChannelBuilder.forName(name), this);
  }

  /**
   * Starts a Netty server on 127.0.0.1 at an ephemeral port, serving the given services.
   *
   * @throws NullPointerException if a service is null
   */
  public TestServer nettyServer(ServerServiceDefinition... services) {
    return nettyServer(0, builder -> {}, services);
  }

  /**
   * Starts a Netty server on 127.0.0.1 at an ephemeral port; {@code configure} may set keepalive
   * policy, flow control, limits and so on before it starts.
   *
   * @throws NullPointerException if an argument is null
   */
  public TestServer nettyServer(
      Consumer<NettyServerBuilder> configure, ServerServiceDefinition... services) {
    return nettyServer(0, configure, services);
  }

  /**
   * Starts a Netty server on 127.0.0.1 at the given port, 0 for an ephemeral one. A fixed port is
   * for restarting a server where a previous one (from {@link TestServer#port()}) listened.
   *
   * <p>A port that a server of this JVM has just released may not be free yet: NIO closes a
   * listening socket only when its selector next wakes, shortly after {@code awaitTermination}
   * returns. For a fixed port, binding is therefore retried for up to {@link
   * #FIXED_PORT_BIND_TIMEOUT}, with a new builder (and a new call of {@code configure}) each time.
   *
   * @throws IllegalArgumentException if the port is outside 0..65535
   * @throws UncheckedIOException if the port cannot be bound
   */
  public TestServer nettyServer(
      int port, Consumer<NettyServerBuilder> configure, ServerServiceDefinition... services) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
    }
    Objects.requireNonNull(configure, "configure");
    long deadline = System.nanoTime() + FIXED_PORT_BIND_TIMEOUT.toNanos();
    while (true) {
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      addServices(builder::addService, services);
      configure.accept(builder);
      Server server = builder.build();
      try {
        server.start();
      } catch (IOException e) {
        server.shutdownNow();
        if (port == 0 || !isBindFailure(e) || System.nanoTime() > deadline) {
          throw new UncheckedIOException("could not start " + server, e);
        }
        pauseBeforeRetry();
        continue;
      }
      register(server);
      InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().get(0);
      return new TestServer(
          server, bound, null, () -> NettyChannelBuilder.forAddress(bound).usePlaintext(), this);
    }
  }

  private static boolean isBindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return true;
      }
    }
    return false;
  }

  private static void pauseBeforeRetry() {
    try {
      Thread.sleep(BIND_RETRY_PAUSE.toMillis()); // polling a condition (port free) with a deadline
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a port to be released", e);
    }
  }

  /**
   * Registers a resource to shut down after the test (or after all tests, see the class
   * documentation): a {@link ManagedChannel}, a {@link Server}, an {@link ExecutorService} or any
   * {@link AutoCloseable}.
   *
   * @return the resource, for chaining
   * @throws IllegalArgumentException if the resource is none of those
   */
  public <T> T register(T resource) {
    Objects.requireNonNull(resource, "resource");
    if (!(resource instanceof ManagedChannel
        || resource instanceof Server
        || resource instanceof ExecutorService
        || resource instanceof AutoCloseable)) {
      throw new IllegalArgumentException(
          "resource: "
              + resource.getClass().getName()
              + " (expected: ManagedChannel, Server, ExecutorService or AutoCloseable)");
    }
    synchronized (this) {
      (inTest ? testResources : classResources).add(resource);
    }
    return resource;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    synchronized (this) {
      inTest = true;
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    List<Object> resources;
    synchronized (this) {
      inTest = false;
      resources = new ArrayList<>(testResources);
      testResources.clear();
    }
    cleanUp(resources);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    List<Object> resources;
    synchronized (this) {
      resources = new ArrayList<>(classResources);
      classResources.clear();
    }
    cleanUp(resources);
  }

  private Server start(Server server) {
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + server, e);
    }
    return register(server);
  }

  private static void addServices(
      Consumer<ServerServiceDefinition> add, ServerServiceDefinition... services) {
    Objects.requireNonNull(services, "services");
    for (int i = 0; i < services.length; i++) {
      add.accept(Objects.requireNonNull(services[i], "services[" + i + "]"));
    }
  }

  private void cleanUp(List<Object> resources) {
    List<Object> reversed = new ArrayList<>(resources);
    java.util.Collections.reverse(reversed);
    List<String> problems = new ArrayList<>();
    for (Object resource : reversed) {
      try {
        beginShutdown(resource);
      } catch (Exception e) {
        problems.add(resource + ": " + e);
      }
    }
    long deadline = System.nanoTime() + shutdownTimeout.toNanos();
    for (Object resource : reversed) {
      try {
        if (!awaitTermination(resource, deadline)) {
          forceShutdown(resource);
          if (!awaitTermination(resource, System.nanoTime() + shutdownTimeout.toNanos())) {
            problems.add(resource + ": not terminated " + shutdownTimeout + " after shutdownNow()");
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        problems.add(resource + ": interrupted while waiting for termination");
        forceShutdown(resource);
      }
    }
    if (!problems.isEmpty()) {
      throw new AssertionError("cleanup failed: " + String.join("; ", problems));
    }
  }

  private static void beginShutdown(Object resource) throws Exception {
    if (resource instanceof ManagedChannel channel) {
      channel.shutdown();
    } else if (resource instanceof Server server) {
      server.shutdown();
    } else if (resource instanceof ExecutorService executor) {
      executor.shutdown();
    } else {
      ((AutoCloseable) resource).close();
    }
  }

  private static void forceShutdown(Object resource) {
    if (resource instanceof ManagedChannel channel) {
      channel.shutdownNow();
    } else if (resource instanceof Server server) {
      server.shutdownNow();
    } else if (resource instanceof ExecutorService executor) {
      executor.shutdownNow();
    }
  }

  private static boolean awaitTermination(Object resource, long deadlineNanos)
      throws InterruptedException {
    long remaining = Math.max(0, deadlineNanos - System.nanoTime());
    if (resource instanceof ManagedChannel channel) {
      return channel.awaitTermination(remaining, TimeUnit.NANOSECONDS);
    } else if (resource instanceof Server server) {
      return server.awaitTermination(remaining, TimeUnit.NANOSECONDS);
    } else if (resource instanceof ExecutorService executor) {
      return executor.awaitTermination(remaining, TimeUnit.NANOSECONDS);
    }
    return true; // An AutoCloseable is done when close() returns.
  }
}
