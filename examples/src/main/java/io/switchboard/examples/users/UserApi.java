package io.switchboard.examples.users;

import io.switchboard.core.MethodSpec;
import io.switchboard.core.ServiceSpec;
import io.switchboard.msgpack.MessagePackMarshaller;

/**
 * The user service's contract, shared by server and client: no .proto file. Messages are
 * MessagePack arrays in record component order (see marshaller-msgpack's WIRE-FORMAT.md), so a peer
 * in any language with a MessagePack library can call it.
 */
public final class UserApi {
  /** The service, named as a .proto {@code package demo; service UserService} would name it. */
  public static final ServiceSpec SERVICE = ServiceSpec.named("demo.UserService");

  /** Fetches one user; NOT_FOUND when there is none with that id. */
  public static final MethodSpec<GetUserRequest, User> GET_USER =
      SERVICE.unary(
          "GetUser",
          MessagePackMarshaller.of(GetUserRequest.class),
          MessagePackMarshaller.of(User.class));

  private UserApi() {}
}
