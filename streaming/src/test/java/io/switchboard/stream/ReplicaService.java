package io.switchboard.stream;

import io.grpc.Channel;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.testing.TestMarshallers;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One replica of a service that serves event logs kept in a shared store, for the multi-replica
 * tests ({@link ReplicaScenario}): in the test's JVM or in a process of its own. Logs are opened by
 * name on first use (one {@link EventLog} over a store instance of this replica's own), so one
 * replica serves every run of a test, each run with a log of its own.
 *
 * <ul>
 *   <li>{@code Append("log\tpayload")} appends and answers the sequence;
 *   <li>{@code Subscribe("log\tfrom")} streams {@code "seq\tpayload"} from that sequence, history
 *       then live (a small live buffer and page, so slow readers fall behind now and then);
 *   <li>{@code Stop("log")} stops this replica's log as a stopping server would: its streams end
 *       with {@code UNAVAILABLE}, later calls for it too.
 * </ul>
 */
public final class ReplicaService implements AutoCloseable {
  static final ServiceSpec SERVICE = ServiceSpec.named("test.Replica");
  static final MethodSpec<String, String> APPEND =
      SERVICE.unary("Append", TestMarshallers.utf8(), TestMarshallers.utf8());
  static final MethodSpec<String, String> SUBSCRIBE =
      SERVICE.serverStreaming("Subscribe", TestMarshallers.utf8(), TestMarshallers.utf8());
  static final MethodSpec<String, String> STOP =
      SERVICE.unary("Stop", TestMarshallers.utf8(), TestMarshallers.utf8());

  private final Function<String, EventStore<String>> openStore;
  private final Map<String, Hosted> logs = new ConcurrentHashMap<>();
  private final Set<String> stopped = ConcurrentHashMap.newKeySet();
  private final AtomicLong fellBehind = new AtomicLong();

  /**
   * A replica whose logs are opened by {@code openStore} (log name to a new store instance over
   * that log, closed when the log is stopped).
   */
  public ReplicaService(Function<String, EventStore<String>> openStore) {
    this.openStore = openStore;
  }

  /** The service, to add to a server. */
  public ServerServiceDefinition definition() {
    return ServiceBinder.forService(SERVICE)
        .unary(APPEND, this::append)
        .serverStreaming(SUBSCRIBE, this::subscribe)
        .unary(STOP, this::stop)
        .build();
  }

  /**
   * Subscribes to log {@code log} of the replica at {@code channel} from sequence {@code from}:
   * {@code "seq\tpayload"} messages, then the stream's status.
   */
  public static void subscribe(
      Channel channel, String log, long from, StreamObserver<String> responses) {
    RpcClient.create(channel).serverStreaming(SUBSCRIBE, log + "\t" + from, responses);
  }

  /** Times a subscription of this replica fell behind live and read the store again. */
  public long fellBehind() {
    return fellBehind.get();
  }

  private String append(String request) {
    int tab = request.indexOf('\t');
    return Long.toString(
        log(request.substring(0, tab)).log.append(request.substring(tab + 1)).sequence());
  }

  private void subscribe(String request, StreamObserver<String> responses) {
    int tab = request.indexOf('\t');
    Hosted hosted = log(request.substring(0, tab));
    FlowControlledSender<String> sender =
        FlowControlledSender.create(
            (ServerCallStreamObserver<String>) responses,
            SenderSettings.<String>newBuilder().maxBufferedMessages(16).build());
    if (!hosted.add(sender)) {
      sender.failNow(unavailable(hosted.name));
      return;
    }
    sender.whenDone().thenRun(() -> hosted.senders.remove(sender));
    CatchUpSubscription.newBuilder(hosted.log, sender, e -> e.sequence() + "\t" + e.payload())
        .fromSequence(Long.parseLong(request.substring(tab + 1)))
        .liveBuffer(8)
        .pageSize(16)
        .listener(
            s -> {
              if (s.kind() == SubscriptionSignal.Kind.FELL_BEHIND) {
                fellBehind.incrementAndGet();
              }
            })
        .start();
  }

  private static RuntimeException unavailable(String name) {
    return Status.UNAVAILABLE
        .withDescription("log " + name + " is stopped here")
        .asRuntimeException();
  }

  private String stop(String name) {
    stopped.add(name);
    Hosted hosted = logs.remove(name);
    if (hosted != null) {
      hosted.close();
    }
    return "stopped";
  }

  private Hosted log(String name) {
    if (stopped.contains(name)) {
      throw unavailable(name);
    }
    Hosted hosted = logs.computeIfAbsent(name, n -> new Hosted(n, openStore.apply(n)));
    if (stopped.contains(name)) { // Stopped while it opened: close what it opened.
      if (logs.remove(name, hosted)) {
        hosted.close();
      }
      throw unavailable(name);
    }
    return hosted;
  }

  /** Stops every log. */
  @Override
  public void close() {
    for (String name : Set.copyOf(logs.keySet())) {
      stop(name);
    }
  }

  /** One log this replica serves. */
  private static final class Hosted {
    final String name;
    final EventStore<String> store;
    final EventLog<String> log;
    final Set<FlowControlledSender<String>> senders = ConcurrentHashMap.newKeySet();
    private boolean closed; // guarded by this

    Hosted(String name, EventStore<String> store) {
      this.name = name;
      this.store = store;
      this.log = EventLog.over(store);
    }

    /** Keeps a sender to end when the log stops; false if it has stopped already. */
    synchronized boolean add(FlowControlledSender<String> sender) {
      if (closed) {
        return false;
      }
      senders.add(sender);
      return true;
    }

    void close() {
      synchronized (this) {
        closed = true;
      }
      log.close();
      for (FlowControlledSender<String> s : senders) {
        s.failNow(Status.UNAVAILABLE.withDescription("replica stopping").asRuntimeException());
      }
      if (store instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException("closing the store of " + name, e);
        }
      }
    }
  }
}
