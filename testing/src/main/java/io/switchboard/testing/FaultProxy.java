package io.switchboard.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on the loopback interface that injects network faults between a client and a real
 * server, for tests of keepalive, reconnection, deadlines and failover.
 *
 * <pre>{@code
 * TestServer server = grpc.nettyServer(service);
 * FaultProxy proxy = grpc.register(FaultProxy.start(server.address()));
 * ManagedChannel channel = grpc.register(
 *     NettyChannelBuilder.forTarget(proxy.target()).usePlaintext().build());
 * proxy.blackhole();         // the peer goes silent, connections stay open
 * proxy.resetConnections();  // every open connection gets a TCP RST
 * }</pre>
 *
 * <p>Modes, switchable at any time from any thread:
 *
 * <ul>
 *   <li>{@link Mode#PASS_THROUGH}: bytes flow both ways, after the {@linkplain #setLatency
 *       latency}, if any.
 *   <li>{@link Mode#BLACKHOLE}: nothing is forwarded either way and nothing is closed, as with a
 *       dead peer or a cut cable: the client's writes succeed and no answer comes. New connections
 *       are accepted and get the same silence. Bytes held meanwhile are delivered, in order, when
 *       the mode goes back to pass-through (TCP loses nothing; it only stalls).
 *   <li>{@link Mode#REFUSE}: open connections keep flowing; new ones are reset at once.
 * </ul>
 *
 * <p>{@link #resetConnections()} aborts every open connection with a TCP RST on both sides.
 *
 * <p>The proxy only listens on and connects to loopback addresses. Its threads are daemons, named
 * {@code fault-proxy-*}, and end on {@link #close()}. Buffers are bounded: a reader blocks when
 * {@value #QUEUE_CHUNKS} chunks of up to {@value #CHUNK_BYTES} bytes wait to be written, so a
 * blackholed or slow direction pushes back through TCP flow control instead of growing memory.
 */
public final class FaultProxy implements AutoCloseable {
  /** What the proxy does with traffic. */
  public enum Mode {
    /** Forward bytes both ways, after the configured latency. */
    PASS_THROUGH,
    /** Forward nothing and close nothing. */
    BLACKHOLE,
    /** Keep open connections flowing and reset new ones at once. */
    REFUSE
  }

  /** Largest chunk read at once; a typical socket read on loopback. */
  static final int CHUNK_BYTES = 16 * 1024;

  /** Chunks that may wait per direction: 1 MiB in flight at most, per direction. */
  static final int QUEUE_CHUNKS = 64;

  private static final AtomicInteger PROXY_IDS = new AtomicInteger();
  private static final byte[] END_OF_STREAM = new byte[0];

  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final ExecutorService threads;
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final Object lock = new Object();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong bytesForwarded = new AtomicLong();
  private Mode mode = Mode.PASS_THROUGH;
  private long latencyNanos;
  private boolean closed;

  private FaultProxy(InetSocketAddress target, ServerSocket listener) {
    this.target = target;
    this.listener = listener;
    int id = PROXY_IDS.incrementAndGet();
    AtomicInteger threadIds = new AtomicInteger();
    this.threads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "fault-proxy-" + id + "-" + threadIds.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts a proxy on 127.0.0.1 at an ephemeral port that forwards to {@code target}.
   *
   * @param target a loopback address, e.g. a test server's {@link TestServer#address()}
   * @throws IllegalArgumentException if the target is not a loopback address
   * @throws UncheckedIOException if the listening socket cannot be opened
   */
  public static FaultProxy start(InetSocketAddress target) {
    Objects.requireNonNull(target, "target");
    if (target.isUnresolved() || !target.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "target: " + target + " (expected: a resolved loopback address)");
    }
    ServerSocket listener;
    try {
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException("could not listen on loopback", e);
    }
    FaultProxy proxy = new FaultProxy(target, listener);
    proxy.threads.execute(proxy::acceptLoop);
    return proxy;
  }

  /** Returns the address clients connect to. */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.getLocalSocketAddress();
  }

  /** Returns the port clients connect to. */
  public int port() {
    return listener.getLocalPort();
  }

  /** Returns the grpc target string clients use, e.g. {@code 127.0.0.1:41234}. */
  public String target() {
    String host = listener.getInetAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
  }

  /** Returns the current mode. */
  public Mode mode() {
    synchronized (lock) {
      return mode;
    }
  }

  /** Forwards traffic again (with the configured latency); bytes held by a blackhole flow on. */
  public void passThrough() {
    setMode(Mode.PASS_THROUGH);
  }

  /** Stops forwarding in both directions without closing anything. */
  public void blackhole() {
    setMode(Mode.BLACKHOLE);
  }

  /** Resets every new connection at once; open connections keep flowing. */
  public void refuseNewConnections() {
    setMode(Mode.REFUSE);
  }

  /**
   * Switches the mode.
   *
   * @throws NullPointerException if the mode is null
   */
  public void setMode(Mode mode) {
    Objects.requireNonNull(mode, "mode");
    synchronized (lock) {
      this.mode = mode;
      lock.notifyAll();
    }
  }

  /**
   * Delays every chunk by {@code oneWay} in each direction (a round trip gains twice that). Applies
   * to bytes read from now on.
   *
   * @throws IllegalArgumentException if the latency is negative or over one minute
   */
  public void setLatency(Duration oneWay) {
    Objects.requireNonNull(oneWay, "oneWay");
    if (oneWay.isNegative() || oneWay.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException("oneWay: " + oneWay + " (expected: 0..PT1M)");
    }
    synchronized (lock) {
      latencyNanos = oneWay.toNanos();
      lock.notifyAll();
    }
  }

  /** Aborts every open connection with a TCP RST to both the client and the server. */
  public void resetConnections() {
    for (Connection connection : connections) {
      connection.abort();
    }
  }

  /** Returns the number of connections open through the proxy now. */
  public int openConnections() {
    return connections.size();
  }

  /** Returns how many connections were accepted and forwarded since the start. */
  public long acceptedConnections() {
    return accepted.get();
  }

  /** Returns how many connections were reset on arrival in {@link Mode#REFUSE}. */
  public long refusedConnections() {
    return refused.get();
  }

  /** Returns the bytes forwarded in both directions since the start. */
  public long bytesForwarded() {
    return bytesForwarded.get();
  }

  /** Stops listening, resets every connection and ends the proxy's threads. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      lock.notifyAll();
    }
    closeQuietly(listener);
    resetConnections();
    threads.shutdownNow();
    try {
      if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
        throw new IllegalStateException("fault proxy threads did not end within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "FaultProxy{" + target() + " -> " + target + ", " + mode() + "}";
  }

  private void acceptLoop() {
    while (true) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (mode() == Mode.REFUSE) {
        refused.incrementAndGet();
        reset(client);
        continue;
      }
      Socket server = new Socket();
      try {
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        server.connect(target, 5_000);
      } catch (IOException e) {
        // The target is down: the client sees the same as connecting to it directly.
        reset(client);
        closeQuietly(server);
        continue;
      }
      accepted.incrementAndGet();
      Connection connection = new Connection(client, server);
      connections.add(connection);
      try {
        connection.start();
      } catch (RuntimeException e) { // executor shut down by close()
        connection.abort();
      }
    }
  }

  /** Waits until bytes may be forwarded at {@code dueNanos}; false if the proxy closed. */
  private boolean awaitForwarding(long dueNanos) throws InterruptedException {
    synchronized (lock) {
      while (!closed) {
        if (mode == Mode.BLACKHOLE) {
          lock.wait();
          continue;
        }
        long wait = dueNanos - System.nanoTime();
        if (wait <= 0) {
          return true;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, wait);
      }
      return false;
    }
  }

  private long latencyNanos() {
    synchronized (lock) {
      return latencyNanos;
    }
  }

  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // Already closed.
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) {
      // Best effort.
    }
  }

  /** One proxied connection: two directions, each a reader and a writer thread. */
  private final class Connection {
    private final Socket client;
    private final Socket server;
    private final AtomicInteger directionsOpen = new AtomicInteger(2);

    Connection(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }

    void start() {
      pump(client, server);
      pump(server, client);
    }

    void abort() {
      if (connections.remove(this)) {
        reset(client);
        reset(server);
      }
    }

    private void pump(Socket from, Socket to) {
      BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
      threads.execute(() -> read(from, queue));
      threads.execute(() -> write(to, queue));
    }

    private void read(Socket from, BlockingQueue<Chunk> queue) {
      try {
        InputStream in = from.getInputStream();
        byte[] buffer = new byte[CHUNK_BYTES];
        while (true) {
          int n = in.read(buffer);
          long due = System.nanoTime() + latencyNanos();
          if (n < 0) {
            queue.put(new Chunk(END_OF_STREAM, due));
            return;
          }
          queue.put(new Chunk(Arrays.copyOf(buffer, n), due));
        }
      } catch (IOException e) {
        abort(); // reset or closed: pass the abort on to the other side
      } catch (InterruptedException e) {
        abort();
      }
    }

    private void write(Socket to, BlockingQueue<Chunk> queue) {
      try {
        OutputStream out = to.getOutputStream();
        while (true) {
          Chunk chunk = queue.take();
          if (!awaitForwarding(chunk.dueNanos)) {
            abort();
            return;
          }
          if (chunk.bytes == END_OF_STREAM) {
            to.shutdownOutput();
            if (directionsOpen.decrementAndGet() == 0 && connections.remove(this)) {
              closeQuietly(client);
              closeQuietly(server);
            }
            return;
          }
          out.write(chunk.bytes);
          out.flush();
          bytesForwarded.addAndGet(chunk.bytes.length);
        }
      } catch (IOException | InterruptedException e) {
        abort();
      }
    }
  }

  private record Chunk(byte[] bytes, long dueNanos) {}
}
