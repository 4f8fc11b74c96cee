package io.switchboard.cli;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.msgpack.schema.SchemaReflectionClient;
import io.switchboard.msgpack.schema.ServiceSchema;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** One channel to the server, with the command's headers and deadline; closed after the command. */
final class Connection implements AutoCloseable {
  private static final String USER_AGENT = "switchboard-cli";

  private final String target;
  private final ConnectionOptions options;
  private final ManagedChannel managed;
  private final Channel channel;

  private Connection(String target, ConnectionOptions options, ManagedChannel managed) {
    this.target = target;
    this.options = options;
    this.managed = managed;
    this.channel =
        ClientInterceptors.intercept(
            managed, MetadataUtils.newAttachHeadersInterceptor(options.metadata()));
  }

  /**
   * Opens a channel to {@code target} ({@code HOST:PORT}, or any target grpc-java accepts).
   *
   * @throws CliException for options that do not fit or TLS files that cannot be read
   */
  static Connection open(String target, ConnectionOptions options) {
    if (target == null || target.isBlank()) {
      throw CliException.usage("HOST:PORT: missing");
    }
    options.check();
    options.metadata(); // header errors before anything connects
    ManagedChannelBuilder<?> builder =
        Grpc.newChannelBuilder(target, credentials(options)).userAgent(USER_AGENT);
    if (options.authority != null) {
      builder.overrideAuthority(options.authority);
    }
    return new Connection(target, options, builder.build());
  }

  private static ChannelCredentials credentials(ConnectionOptions options) {
    if (options.plaintext) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
    try {
      if (options.caCert != null) {
        tls.trustManager(options.caCert.toFile());
      }
    } catch (IOException | RuntimeException e) {
      throw CliException.usage(
          "--cacert " + options.caCert + ": cannot read it: " + e.getMessage());
    }
    try {
      if (options.cert != null) {
        tls.keyManager(options.cert.toFile(), options.key.toFile());
      }
    } catch (IOException | RuntimeException e) {
      throw CliException.usage(
          "--cert "
              + options.cert
              + " / --key "
              + options.key
              + ": cannot read them: "
              + e.getMessage());
    }
    return tls.build();
  }

  /** Returns the channel, carrying the command's headers. */
  Channel channel() {
    return channel;
  }

  /** Returns the options of a call: the deadline, if one was given. */
  CallOptions callOptions() {
    return options.deadline == null
        ? CallOptions.DEFAULT
        : CallOptions.DEFAULT.withDeadlineAfter(options.deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  private SchemaReflectionClient reflection() {
    Duration deadline =
        options.deadline == null ? ConnectionOptions.DEFAULT_REFLECTION_DEADLINE : options.deadline;
    return SchemaReflectionClient.create(channel).withTimeout(deadline);
  }

  /** Returns the services on the server, sorted. */
  List<String> listServices() {
    return await(reflection().listServices());
  }

  /** Returns one service's methods and schemas. */
  ServiceSchema describeService(String service) {
    return await(reflection().describeService(service));
  }

  /** Waits for a reflection call; a server without reflection gets a hint. */
  private <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
    } catch (ExecutionException e) {
      Status status = Status.fromThrowable(e.getCause());
      if (status.getCode() == Status.Code.UNIMPLEMENTED) {
        throw Status.UNIMPLEMENTED
            .withDescription(
                target
                    + " publishes no schemas (it has no "
                    + SchemaReflection.SERVICE_NAME
                    + " service: add SchemaReflection.newService() to the server)")
            .asRuntimeException();
      }
      throw new StatusRuntimeException(status);
    }
  }

  @Override
  public void close() {
    managed.shutdownNow();
    try {
      managed.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
