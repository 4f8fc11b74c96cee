package io.switchboard.examples.users;

import io.switchboard.core.MethodSpec;
import io.switchboard.core.ServiceSpec;

/** The user service's contract, shared by server and client: no .proto file. */
public final class UserApi {
  /** The service, named as a .proto {@code package demo; service UserService} would name it. */
  public static final ServiceSpec SERVICE = ServiceSpec.named("demo.UserService");

  /** Fetches one user; NOT_FOUND when there is none with that id. */
  public static final MethodSpec<GetUserRequest, User> GET_USER =
      SERVICE.unary(
          "GetUser",
          new DataMarshaller<GetUserRequest>(
              (r, out) -> out.writeLong(r.id()), in -> new GetUserRequest(in.readLong())),
          new DataMarshaller<User>(
              (u, out) -> {
                out.writeLong(u.id());
                out.writeUTF(u.name());
                out.writeUTF(u.email());
                out.writeInt(u.age());
                out.writeBoolean(u.active());
              },
              in ->
                  new User(
                      in.readLong(), in.readUTF(), in.readUTF(), in.readInt(), in.readBoolean())));

  private UserApi() {}
}
