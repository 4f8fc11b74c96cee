package io.switchboard.examples.pool;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.examples.Console;
import io.switchboard.examples.DemoContext;
import io.switchboard.examples.users.GetUserRequest;
import io.switchboard.examples.users.UserApi;
import io.switchboard.msgpack.MessagePackMarshaller;
import io.switchboard.pool.ChannelPool;
import io.switchboard.pool.PoolStats;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Channel pool: the demo's user client already runs over a pool; then a server that allows only 10
 * concurrent streams per connection shows one channel queueing calls while the pool grows past the
 * limit.
 */
public final class PoolDemo {
  private static final int STREAM_LIMIT = 10;
  private static final int CALLS = 60;
  private static final long HANDLER_MILLIS = 100;

  /** Waits {@link #HANDLER_MILLIS}, then echoes: a call that holds its stream for a while. */
  private static final MethodSpec<byte[], byte[]> SLOW =
      ServiceSpec.named("demo.Slow")
          .unary(
              "Wait",
              MessagePackMarshaller.of(byte[].class),
              MessagePackMarshaller.of(byte[].class));

  private PoolDemo() {}

  /** Runs the section (about a second). */
  public static void run(DemoContext ctx) throws Exception {
    Console out = ctx.out();
    out.section("Channel pool: least-loaded channels that grow past MAX_CONCURRENT_STREAMS");
    ChannelPool users = ctx.usersChannel();
    RpcClient client = RpcClient.create(users).withTimeout(Duration.ofSeconds(5));
    for (long id = 1; id <= 20; id++) {
      client.unary(UserApi.GET_USER, new GetUserRequest(id)).join();
    }
    out.ok("the user client above runs over a ChannelPool; 20 more GetUser calls on it:");
    indent(out, users.stats());

    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    Server server = null;
    ManagedChannel single = null;
    ChannelPool pool = null;
    try {
      server = startSlowServer(timer);
      String target =
          "127.0.0.1:" + ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
      single = NettyChannelBuilder.forTarget(target).usePlaintext().build();
      pool =
          ChannelPool.newBuilder(target)
              .usePlaintext()
              .name("slow")
              .maxConcurrentStreams(STREAM_LIMIT)
              .maxChannels(8)
              .build();
      out.say(
          "a server allowing %d streams per connection, %d ms per call; %d calls at once:",
          STREAM_LIMIT, HANDLER_MILLIS, CALLS);
      timeCalls(single); // connect and warm up, as the pool's first burst does below
      long oneChannel = timeCalls(single);
      out.field("one channel", oneChannel + " ms  (grpc queues calls past the limit)");
      long growing = timeCalls(pool);
      out.field(
          "pool, 1st burst",
          growing + " ms  (grew to " + pool.stats().activeChannels() + " channels, connecting)");
      long pooled = timeCalls(pool);
      out.field("pool, 2nd burst", pooled + " ms  (channels connected)");
      double speedUp = (double) oneChannel / Math.max(1, pooled);
      if (pooled < oneChannel) {
        out.ok(
            "%.1f× faster than one channel: the pool adds a channel whenever every channel"
                + " carries the server's stream limit",
            speedUp);
      } else {
        out.say("no faster than one channel this time (%.1f×): the machine is busy", speedUp);
      }
      indent(out, pool.stats());
    } finally {
      timer.shutdownNow();
      for (ManagedChannel channel : new ManagedChannel[] {pool, single}) {
        if (channel != null) {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
      if (server != null) {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static long timeCalls(io.grpc.Channel channel) {
    RpcClient client = RpcClient.create(channel).withTimeout(Duration.ofSeconds(10));
    long start = System.nanoTime();
    List<CompletableFuture<byte[]>> calls = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      calls.add(client.unary(SLOW, new byte[8]));
    }
    calls.forEach(CompletableFuture::join);
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  private static Server startSlowServer(ScheduledExecutorService timer) throws IOException {
    ServerServiceDefinition service =
        ServiceBinder.forService(ServiceSpec.named("demo.Slow"))
            .unaryAsync(
                SLOW,
                request -> {
                  CompletableFuture<byte[]> reply = new CompletableFuture<>();
                  timer.schedule(
                      () -> reply.complete(request), HANDLER_MILLIS, TimeUnit.MILLISECONDS);
                  return reply;
                })
            .build();
    return NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .maxConcurrentCallsPerConnection(STREAM_LIMIT)
        .addService(service)
        .build()
        .start();
  }

  private static void indent(Console out, PoolStats stats) {
    for (String line : stats.toTable().split("\n")) {
      out.say("  %s", line);
    }
  }
}
