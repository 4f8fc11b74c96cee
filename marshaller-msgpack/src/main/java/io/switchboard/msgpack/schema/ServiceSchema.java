package io.switchboard.msgpack.schema;

import io.switchboard.msgpack.MessagePackShape;
import io.switchboard.msgpack.WireShape;
import java.util.List;
import java.util.Objects;

/**
 * What the {@linkplain SchemaReflection reflection service} tells about one service on a server:
 * its full name and its methods. Travels as a MessagePack map {@code {"name": ..., "methods":
 * [...]}}.
 *
 * @param name the full service name, e.g. {@code demo.UserService}
 * @param methods the service's methods, by name
 */
@MessagePackShape(WireShape.MAP)
public record ServiceSchema(String name, List<MethodSchema> methods) {
  /**
   * @throws NullPointerException if an argument is null
   */
  public ServiceSchema {
    Objects.requireNonNull(name, "name");
    methods = List.copyOf(methods);
  }

  /**
   * Returns the method with this name ({@code GetUser}) or full name ({@code
   * demo.UserService/GetUser}), or null.
   */
  public MethodSchema method(String nameOrFullName) {
    for (MethodSchema m : methods) {
      if (m.name().equals(nameOrFullName) || m.fullName().equals(nameOrFullName)) {
        return m;
      }
    }
    return null;
  }
}
