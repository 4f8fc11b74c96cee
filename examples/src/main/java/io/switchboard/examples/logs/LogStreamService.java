package io.switchboard.examples.logs;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.ServiceBinder;
import io.switchboard.stream.CatchUpSubscription;
import io.switchboard.stream.EventLog;
import io.switchboard.stream.FlowControlledSender;
import io.switchboard.stream.OverflowStrategy;
import io.switchboard.stream.SenderSettings;
import io.switchboard.stream.SenderStats;
import io.switchboard.stream.SubscriptionStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The seed's log stream service: {@code StreamLogs} streams an {@link EventLog} of {@link LogLine}s
 * to each client from the sequence it asks for (history, then live), filtered by level and service,
 * with checkpoints while filtering, under backpressure chosen by the {@link Delivery} header.
 *
 * <pre>{@code
 * EventLog<LogLine> log = EventLog.inMemory(100_000);
 * server.addService(new LogStreamService(log).definition());
 * log.append(new LogLine("billing", LogLevel.WARN, "card declined"));
 * }</pre>
 */
public final class LogStreamService {
  /** Lines a subscriber's stream may hold before its delivery mode applies. */
  static final int MAX_BUFFERED_LINES = 256;

  /** A checkpoint after this many filtered-out lines in a row. */
  static final int CHECKPOINT_EVERY = 50;

  private static final Context.Key<Delivery> DELIVERY_KEY = Context.key("log-delivery");

  private final EventLog<LogLine> log;
  private final Map<Long, Session> sessions = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();

  /** Serves the given log. */
  public LogStreamService(EventLog<LogLine> log) {
    this.log = log;
  }

  /** Returns the definition to add to a server (it reads the delivery header itself). */
  public ServerServiceDefinition definition() {
    ServerServiceDefinition bound =
        ServiceBinder.forService(LogStreamApi.SERVICE)
            .bidiStreaming(LogStreamApi.STREAM_LOGS, this::streamLogs)
            .build();
    return ServerInterceptors.intercept(bound, new DeliveryHeader());
  }

  /** Returns what every open stream has done so far. */
  public List<SessionStats> sessions() {
    List<SessionStats> result = new ArrayList<>();
    for (Session s : sessions.values()) {
      result.add(s.stats());
    }
    return result;
  }

  /** One open stream, as the server sees it. */
  public record SessionStats(
      long id, Delivery delivery, SenderStats sender, SubscriptionStats subscription) {}

  private StreamObserver<LogRequest> streamLogs(StreamObserver<LogMessage> responses) {
    Delivery delivery = DELIVERY_KEY.get();
    FlowControlledSender<LogMessage> sender =
        FlowControlledSender.create(
            (ServerCallStreamObserver<LogMessage>) responses, senderSettings(delivery));
    Session session = new Session(ids.incrementAndGet(), delivery, sender);
    sessions.put(session.id, session);
    sender.whenDone().thenRun(() -> sessions.remove(session.id));
    return new StreamObserver<>() {
      @Override
      public void onNext(LogRequest request) {
        session.subscribe(request);
      }

      @Override
      public void onError(Throwable t) {
        session.close();
      }

      @Override
      public void onCompleted() {
        // The client has no more requests; the stream goes on until it cancels.
      }
    };
  }

  private static SenderSettings<LogMessage> senderSettings(Delivery delivery) {
    SenderSettings.Builder<LogMessage> settings =
        SenderSettings.<LogMessage>newBuilder()
            .maxBufferedMessages(MAX_BUFFERED_LINES)
            .sizeFunction(m -> 48 + m.service().length() + m.text().length())
            .priority(m -> m.level().ordinal());
    return switch (delivery) {
      case CATCH_UP -> settings.overflowStrategy(OverflowStrategy.BLOCK).build();
      case BLOCK ->
          settings
              .overflowStrategy(OverflowStrategy.BLOCK)
              .blockTimeout(Duration.ofSeconds(2))
              .build();
      case DROP_OLDEST -> settings.overflowStrategy(OverflowStrategy.DROP_OLDEST).build();
      case DROP_LOWEST_PRIORITY ->
          settings.overflowStrategy(OverflowStrategy.DROP_LOWEST_PRIORITY).build();
    };
  }

  private final class Session {
    final long id;
    final Delivery delivery;
    final FlowControlledSender<LogMessage> sender;
    volatile CatchUpSubscription<LogLine> subscription;

    Session(long id, Delivery delivery, FlowControlledSender<LogMessage> sender) {
      this.id = id;
      this.delivery = delivery;
      this.sender = sender;
    }

    synchronized void subscribe(LogRequest request) {
      if (request.fromSequence() < 0 || request.minLevel() == null || request.service() == null) {
        sender.failNow(
            Status.INVALID_ARGUMENT
                .withDescription(
                    "LogRequest: fromSequence "
                        + request.fromSequence()
                        + " (expected: >= 0), minLevel and service (expected: set; \"\" for all)")
                .asRuntimeException());
        return;
      }
      close();
      LogLevel min = request.minLevel();
      String service = request.service();
      CatchUpSubscription.Builder<LogLine, LogMessage> builder =
          CatchUpSubscription.newBuilder(
                  log, sender, e -> LogMessage.line(e.sequence(), e.payload()))
              .filter(
                  line ->
                      line.level().compareTo(min) >= 0
                          && (service.isEmpty() || service.equals(line.service())))
              .checkpoints(CHECKPOINT_EVERY, LogMessage::checkpoint);
      if (request.fromSequence() > 0) {
        builder.fromSequence(request.fromSequence());
      }
      if (delivery != Delivery.CATCH_UP) {
        builder.pushLive();
      }
      subscription = builder.start();
    }

    synchronized void close() {
      CatchUpSubscription<LogLine> s = subscription;
      if (s != null) {
        s.close();
      }
    }

    SessionStats stats() {
      CatchUpSubscription<LogLine> s = subscription;
      return new SessionStats(id, delivery, sender.stats(), s == null ? null : s.stats());
    }
  }

  /** Puts the {@link Delivery} the client asked for into the call's context. */
  private static final class DeliveryHeader implements ServerInterceptor {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      String value = headers.get(LogStreamApi.DELIVERY);
      Delivery delivery;
      try {
        delivery =
            value == null ? Delivery.CATCH_UP : Delivery.valueOf(value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        call.close(
            Status.INVALID_ARGUMENT.withDescription(
                "x-log-delivery: \""
                    + value
                    + "\" (expected: catch_up, block, drop_oldest or drop_lowest_priority)"),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return Contexts.interceptCall(
          Context.current().withValue(DELIVERY_KEY, delivery), call, headers, next);
    }
  }
}
