package io.switchboard.msgpack.schema;

import io.grpc.InternalServer;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.switchboard.core.ExperimentalApi;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RequestParseErrors;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.msgpack.CodecRegistry;
import io.switchboard.msgpack.MessagePackCodec;
import io.switchboard.msgpack.MessagePackMarshaller;
import io.switchboard.msgpack.MessagePackReader;
import io.switchboard.msgpack.MessagePackSettings;
import io.switchboard.msgpack.MessagePackShape;
import io.switchboard.msgpack.WireShape;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.msgpack.core.MessagePacker;

/**
 * A gRPC service of Switchboard's own that publishes, for every service on the server it is added
 * to, its methods (full name, call kind) and the {@link Schema}s of their request and response
 * messages, so that the gateway, the {@code switchboard} command-line client and clients in any
 * language can read and write them by field name. Opt in with one line:
 *
 * <pre>{@code
 * Server server = NettyServerBuilder.forPort(8080)
 *     .addService(users)
 *     .addService(SchemaReflection.newService())   // publishes every service of this server
 *     .build().start();
 * }</pre>
 *
 * <p>Its messages are map-shaped MessagePack, readable without a schema ({@code WIRE-FORMAT.md}
 * gives the bytes):
 *
 * <ul>
 *   <li>{@value #SERVICE_NAME}{@code /ListServices}: {@code {}} → {@code {"services": [name,
 *       ...]}}, every service on the server sorted by name (this one included);
 *   <li>{@value #SERVICE_NAME}{@code /DescribeService}: {@code {"service": name}} → {@code
 *       {"service": {"name": ..., "methods": [...]}}} (a {@link ServiceSchema}), or {@code
 *       NOT_FOUND} naming the services there are.
 * </ul>
 *
 * <p>A method's schema is published when its marshaller is a {@link MessagePackMarshaller} (also
 * behind core's {@link RequestParseErrors}); other methods are listed with null schemas. Read it
 * with {@link SchemaReflectionClient}.
 */
@ExperimentalApi("the reflection messages may gain keys before 1.0; readers skip unknown keys")
public final class SchemaReflection {
  /** The reflection service's full name. */
  public static final String SERVICE_NAME = "switchboard.reflection.v1.SchemaReflection";

  /** The service. */
  static final ServiceSpec SERVICE = ServiceSpec.named(SERVICE_NAME);

  /** The settings of the reflection messages: schemas and call kinds by hand-written codecs. */
  static final MessagePackSettings SETTINGS =
      MessagePackSettings.newBuilder()
          .defaultShape(WireShape.MAP)
          .codecs(
              CodecRegistry.newBuilder()
                  .register(Schema.class, SchemaCodec.INSTANCE)
                  .register(MethodType.class, new MethodTypeCodec())
                  .build())
          .build();

  /** {@code {}} asks for the list of services. */
  @MessagePackShape(WireShape.MAP)
  record ListServicesRequest() {}

  /** The full names of the services on the server, sorted. */
  @MessagePackShape(WireShape.MAP)
  record ListServicesResponse(List<String> services) {}

  /** Asks for one service's methods and schemas. */
  @MessagePackShape(WireShape.MAP)
  record DescribeServiceRequest(String service) {}

  /** One service's methods and schemas. */
  @MessagePackShape(WireShape.MAP)
  record DescribeServiceResponse(ServiceSchema service) {}

  static final MethodSpec<ListServicesRequest, ListServicesResponse> LIST_SERVICES =
      SERVICE.unary(
          "ListServices",
          MessagePackMarshaller.of(ListServicesRequest.class, SETTINGS),
          MessagePackMarshaller.of(ListServicesResponse.class, SETTINGS));

  static final MethodSpec<DescribeServiceRequest, DescribeServiceResponse> DESCRIBE_SERVICE =
      SERVICE.unary(
          "DescribeService",
          MessagePackMarshaller.of(DescribeServiceRequest.class, SETTINGS),
          MessagePackMarshaller.of(DescribeServiceResponse.class, SETTINGS));

  private SchemaReflection() {}

  /**
   * Returns the reflection service for the server it is added to: each call lists that server's
   * services as they are at the call ({@link Server#getServices()}).
   */
  public static ServerServiceDefinition newService() {
    return newService(
        () -> {
          Server server = InternalServer.SERVER_CONTEXT_KEY.get();
          if (server == null) {
            throw Status.INTERNAL
                .withDescription("schema reflection: no server in the call's context")
                .asRuntimeException();
          }
          return server.getServices();
        });
  }

  /**
   * Returns a reflection service publishing the services {@code services} returns at each call (for
   * a server whose services are known otherwise, e.g. a fixed list).
   *
   * @throws NullPointerException if the supplier is null
   */
  public static ServerServiceDefinition newService(
      Supplier<List<ServerServiceDefinition>> services) {
    Objects.requireNonNull(services, "services");
    return ServiceBinder.forService(SERVICE)
        .unary(
            LIST_SERVICES,
            request ->
                new ListServicesResponse(
                    services.get().stream()
                        .map(d -> d.getServiceDescriptor().getName())
                        .sorted()
                        .distinct()
                        .toList()))
        .unary(
            DESCRIBE_SERVICE,
            request -> {
              if (request.service() == null || request.service().isEmpty()) {
                throw new IllegalArgumentException("service: missing (expected: a service name)");
              }
              List<String> names = new ArrayList<>();
              for (ServerServiceDefinition d : services.get()) {
                String name = d.getServiceDescriptor().getName();
                if (name.equals(request.service())) {
                  return new DescribeServiceResponse(describe(d));
                }
                names.add(name);
              }
              names.sort(null);
              throw Status.NOT_FOUND
                  .withDescription(
                      "no service \"" + request.service() + "\" on this server; it has " + names)
                  .asRuntimeException();
            })
        .build();
  }

  /** Returns the schema of every method of a service definition, methods sorted by name. */
  public static ServiceSchema describe(ServerServiceDefinition definition) {
    List<MethodSchema> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> m : definition.getMethods()) {
      MethodDescriptor<?, ?> d = m.getMethodDescriptor();
      methods.add(
          new MethodSchema(
              d.getBareMethodName(),
              d.getFullMethodName(),
              d.getType(),
              schemaOf(RequestParseErrors.requestMarshaller(d)),
              schemaOf(d.getResponseMarshaller())));
    }
    methods.sort(Comparator.comparing(MethodSchema::name));
    return new ServiceSchema(definition.getServiceDescriptor().getName(), methods);
  }

  private static Schema schemaOf(MethodDescriptor.Marshaller<?> marshaller) {
    return marshaller instanceof MessagePackMarshaller<?> m ? m.schema() : null;
  }

  /** A call kind by its name, e.g. {@code "UNARY"}; an unknown name reads as UNKNOWN. */
  private static final class MethodTypeCodec implements MessagePackCodec<MethodType> {
    @Override
    public void encode(MessagePacker packer, MethodType value) throws IOException {
      packer.packString(value.name());
    }

    @Override
    public MethodType decode(MessagePackReader reader) throws IOException {
      String name = reader.readString();
      for (MethodType t : MethodType.values()) {
        if (t.name().equals(name)) {
          return t;
        }
      }
      return MethodType.UNKNOWN;
    }
  }
}
