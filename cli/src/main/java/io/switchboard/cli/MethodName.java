package io.switchboard.cli;

import io.grpc.Status;
import io.switchboard.msgpack.schema.MethodSchema;
import io.switchboard.msgpack.schema.ServiceSchema;

/**
 * {@code SERVICE/METHOD} (or {@code /SERVICE/METHOD}, a gRPC path) as typed on the command line.
 */
record MethodName(String service, String method) {
  /**
   * Parses a service with an optional method.
   *
   * @param methodRequired whether the method must be there
   * @throws CliException if the name is empty or the method is missing but required
   */
  static MethodName parse(String text, boolean methodRequired) {
    String name = text.startsWith("/") ? text.substring(1) : text;
    int slash = name.indexOf('/');
    String service = slash < 0 ? name : name.substring(0, slash);
    String method = slash < 0 ? null : name.substring(slash + 1);
    if (service.isEmpty() || (method != null && (method.isEmpty() || method.contains("/")))) {
      throw CliException.usage(
          "'" + text + "': expected SERVICE/METHOD, e.g. demo.UserService/GetUser");
    }
    if (methodRequired && method == null) {
      throw CliException.usage(
          "'" + text + "': no method (expected: SERVICE/METHOD, e.g. demo.UserService/GetUser)");
    }
    return new MethodName(service, method);
  }

  /** Returns the method in the service's schema, or fails with NOT_FOUND naming those there are. */
  MethodSchema find(ServiceSchema schema) {
    MethodSchema m = schema.method(method);
    if (m == null) {
      throw Status.NOT_FOUND
          .withDescription(
              "no method "
                  + method
                  + " in "
                  + service
                  + "; it has "
                  + schema.methods().stream().map(MethodSchema::name).toList())
          .asRuntimeException();
    }
    return m;
  }
}
