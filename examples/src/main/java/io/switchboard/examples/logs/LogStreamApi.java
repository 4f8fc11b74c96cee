package io.switchboard.examples.logs;

import io.grpc.Metadata;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.ServiceSpec;
import io.switchboard.msgpack.MessagePackMarshaller;

/** The log stream service, declared in code: shared by server and clients. */
public final class LogStreamApi {
  private LogStreamApi() {}

  /** The service. */
  public static final ServiceSpec SERVICE = ServiceSpec.named("demo.LogStreamService");

  /** Bidi: the client sends {@link LogRequest}s, the server streams {@link LogMessage}s. */
  public static final MethodSpec<LogRequest, LogMessage> STREAM_LOGS =
      SERVICE.bidiStreaming(
          "StreamLogs",
          MessagePackMarshaller.of(LogRequest.class),
          MessagePackMarshaller.of(LogMessage.class));

  /** Request header choosing the {@link Delivery} mode, e.g. {@code drop_oldest}. */
  public static final Metadata.Key<String> DELIVERY =
      Metadata.Key.of("x-log-delivery", Metadata.ASCII_STRING_MARSHALLER);
}
