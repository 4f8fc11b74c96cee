package io.switchboard.msgpack.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.msgpack.MessagePackIndex;
import io.switchboard.msgpack.MessagePackMarshaller;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestMarshallers;
import io.switchboard.testing.TestServer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A server publishes its services' schemas; a client reads them back over Netty. */
class SchemaReflectionTest {
  /** Generous for two busy cores; calls end as soon as they are answered. */
  private static final long TIMEOUT_SECONDS = 30;

  record GetUser(long id) {}

  enum Role {
    ADMIN,
    MEMBER
  }

  sealed interface Event permits Joined, Left {}

  @MessagePackIndex(0)
  record Joined(String who) implements Event {}

  @MessagePackIndex(1)
  record Left(String who, Optional<String> reason) implements Event {}

  record User(long id, String name, List<Role> roles, Event last, User manager) {}

  static final ServiceSpec USERS = ServiceSpec.named("test.Users");
  static final MessagePackMarshaller<GetUser> GET_USER_M = MessagePackMarshaller.of(GetUser.class);
  static final MessagePackMarshaller<User> USER_M = MessagePackMarshaller.of(User.class);
  static final MethodSpec<GetUser, User> GET = USERS.unary("Get", GET_USER_M, USER_M);
  static final MethodSpec<GetUser, User> WATCH = USERS.serverStreaming("Watch", GET_USER_M, USER_M);
  static final ServiceSpec RAW = ServiceSpec.named("test.Raw");
  static final MethodSpec<byte[], byte[]> ECHO =
      RAW.bidiStreaming("Echo", TestMarshallers.bytes(), TestMarshallers.bytes());

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private TestServer server() {
    return grpc.nettyServer(
        ServiceBinder.forService(USERS)
            .unary(GET, r -> new User(r.id(), "ann", List.of(Role.ADMIN), null, null))
            .serverStreaming(WATCH, (r, out) -> out.onCompleted())
            .build(),
        ServiceBinder.forService(RAW).bidiStreaming(ECHO, out -> out).build(),
        SchemaReflection.newService());
  }

  @Test
  void listsEveryServiceOfTheServerItIsAddedTo() throws Exception {
    ManagedChannel channel = grpc.register(server().newChannel());
    SchemaReflectionClient client = SchemaReflectionClient.create(channel);
    assertThat(client.listServices().get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .containsExactly(SchemaReflection.SERVICE_NAME, "test.Raw", "test.Users");
  }

  @Test
  void describesMethodsWithTheSchemasOfTheirMarshallers() throws Exception {
    ManagedChannel channel = grpc.register(server().newChannel());
    ServiceSchema users =
        SchemaReflectionClient.create(channel)
            .describeService("test.Users")
            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertThat(users.name()).isEqualTo("test.Users");
    assertThat(users.methods()).extracting(MethodSchema::name).containsExactly("Get", "Watch");
    MethodSchema get = users.method("test.Users/Get");
    assertThat(get.kind()).isEqualTo(MethodType.UNARY);
    // Read back over the wire, equal to what the marshallers describe (behind core's binder,
    // which hands grpc a raw-stream request marshaller).
    assertThat(get.request()).isEqualTo(GET_USER_M.schema());
    assertThat(get.response()).isEqualTo(USER_M.schema());
    assertThat(users.method("Watch").kind()).isEqualTo(MethodType.SERVER_STREAMING);
    assertThat(users.method("Watch").serverStreams()).isTrue();
    // The recursive, enum and union types are all there, defined once.
    assertThat(get.response().types().keySet())
        .containsExactly(
            name(User.class),
            name(Role.class),
            name(Event.class),
            name(Joined.class),
            name(Left.class));
  }

  @Test
  void aMethodWithoutMessagePackIsListedWithoutSchemas() throws Exception {
    ManagedChannel channel = grpc.register(server().newChannel());
    ServiceSchema raw =
        SchemaReflectionClient.create(channel)
            .describeService("test.Raw")
            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    MethodSchema echo = raw.method("Echo");
    assertThat(echo.kind()).isEqualTo(MethodType.BIDI_STREAMING);
    assertThat(echo.request()).isNull();
    assertThat(echo.response()).isNull();
  }

  @Test
  void anUnknownServiceIsNotFoundNamingTheOnesThereAre() {
    ManagedChannel channel = grpc.register(server().newChannel());
    assertThatThrownBy(
            () ->
                SchemaReflectionClient.create(channel)
                    .describeService("test.Nope")
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo(
                      "no service \"test.Nope\" on this server; it has ["
                          + SchemaReflection.SERVICE_NAME
                          + ", test.Raw, test.Users]");
            });
  }

  @Test
  void aServerWithoutReflectionAnswersUnimplemented() {
    TestServer plain =
        grpc.nettyServer(ServiceBinder.forService(RAW).bidiStreaming(ECHO, out -> out).build());
    ManagedChannel channel = grpc.register(plain.newChannel());
    assertThatThrownBy(
            () ->
                SchemaReflectionClient.create(channel)
                    .listServices()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }

  @Test
  void schemasSurviveTheirWireForm() {
    Schema schema = USER_M.schema();
    MessagePackMarshaller<Schema> wire =
        MessagePackMarshaller.of(Schema.class, SchemaReflection.SETTINGS);
    assertThat(wire.decode(wire.encode(schema))).isEqualTo(schema);
  }

  private static String name(Class<?> type) {
    return type.getName().replace('$', '.');
  }
}
