package io.switchboard.stream;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A replica in a JVM of its own, for the multi-replica tests that need separate processes: the
 * test's own classpath, a main class that calls {@link #serve}, a Netty server on a free loopback
 * port that the child prints. The child ends when its standard input closes (so it does not outlive
 * a test JVM that died) or when it is killed.
 */
public final class ReplicaProcess implements AutoCloseable {
  private static final long START_SECONDS = 60;

  private final Process process;
  private final int port;

  private ReplicaProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts {@code main} with {@code args} in a new JVM and waits for its port. */
  public static ReplicaProcess start(Class<?> main, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC"); // two shared cores: no parallel GC threads fighting the tests
    command.add("-XX:TieredStopAtLevel=1"); // short-lived: start fast
    command.add("-cp");
    command.add(classpath());
    command.add(main.getName());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    try {
      String line =
          CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return out.readLine();
                    } catch (IOException e) {
                      return null;
                    }
                  })
              .get(START_SECONDS, TimeUnit.SECONDS);
      if (line == null || !line.startsWith("port ")) {
        throw new IllegalStateException(main.getName() + " did not start: " + line);
      }
      return new ReplicaProcess(p, Integer.parseInt(line.substring(5).trim()));
    } catch (Exception e) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** The test JVM's classpath (surefire's, which may show only a manifest jar otherwise). */
  public static String classpath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }

  /**
   * In the child: serves {@code service} on a free loopback port, prints {@code port N}, and runs
   * until standard input closes.
   */
  public static void serve(ReplicaService service) throws Exception {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(service.definition())
            .build()
            .start();
    System.out.println("port " + server.getPort());
    System.out.flush();
    while (System.in.read() >= 0) {
      // Block until the parent closes our standard input (or dies).
    }
    server.shutdownNow();
    service.close();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  /** A plaintext channel to the replica. */
  public ManagedChannel channel() {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** Kills the process at once (SIGKILL): a replica that dies. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /** Ends the process: closes its input, then kills it if it has not ended within 10 s. */
  @Override
  public void close() throws Exception {
    try {
      process.getOutputStream().close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        kill();
      }
    } catch (IOException | InterruptedException e) {
      kill();
      throw e;
    }
  }
}
