package io.switchboard.msgpack.schema;

import io.grpc.Channel;
import io.switchboard.core.ExperimentalApi;
import io.switchboard.core.RpcClient;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Reads the schemas a server publishes through {@link SchemaReflection}: the gateway's and the
 * command-line client's way to learn a backend's methods and messages.
 *
 * <pre>{@code
 * SchemaReflectionClient reflection = SchemaReflectionClient.create(channel);
 * List<String> services = reflection.listServices().get();
 * ServiceSchema users = reflection.describeService("demo.UserService").get();
 * Schema request = users.method("GetUser").request();
 * }</pre>
 *
 * <p>Immutable and thread-safe. Failures complete the futures with grpc's {@code
 * StatusRuntimeException}: {@code UNIMPLEMENTED} from a server without the reflection service,
 * {@code NOT_FOUND} for a service it does not have.
 */
@ExperimentalApi("the reflection messages may gain keys before 1.0")
public final class SchemaReflectionClient {
  private final RpcClient client;

  private SchemaReflectionClient(RpcClient client) {
    this.client = client;
  }

  /**
   * Returns a client calling through {@code channel} (a pool, a plain channel, an intercepted one
   * carrying headers).
   *
   * @throws NullPointerException if the channel is null
   */
  public static SchemaReflectionClient create(Channel channel) {
    return new SchemaReflectionClient(RpcClient.create(channel));
  }

  /**
   * Returns a copy whose calls each get this deadline from their start.
   *
   * @throws NullPointerException if the timeout is null
   * @throws IllegalArgumentException if the timeout is not positive
   */
  public SchemaReflectionClient withTimeout(Duration timeout) {
    return new SchemaReflectionClient(client.withTimeout(timeout));
  }

  /** Returns the full names of the services on the server, sorted. */
  public CompletableFuture<List<String>> listServices() {
    return client
        .unary(SchemaReflection.LIST_SERVICES, new SchemaReflection.ListServicesRequest())
        .thenApply(SchemaReflection.ListServicesResponse::services);
  }

  /**
   * Returns one service's methods and their schemas.
   *
   * @throws NullPointerException if the name is null
   */
  public CompletableFuture<ServiceSchema> describeService(String service) {
    Objects.requireNonNull(service, "service");
    return client
        .unary(
            SchemaReflection.DESCRIBE_SERVICE, new SchemaReflection.DescribeServiceRequest(service))
        .thenApply(SchemaReflection.DescribeServiceResponse::service);
  }
}
