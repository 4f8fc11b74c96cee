package io.switchboard.gateway;

import java.util.Locale;

/** How one request's body and response are framed, read from its {@code content-type}. */
enum WireFormat {
  GRPC(Protocol.GRPC, "gRPC"),
  GRPC_WEB(Protocol.GRPC_WEB, "gRPC-Web"),
  GRPC_WEB_TEXT(Protocol.GRPC_WEB, "gRPC-Web-text"),
  CONNECT_UNARY(Protocol.JSON, "Connect JSON"),
  CONNECT_STREAM(Protocol.JSON, "Connect streaming JSON");

  final Protocol protocol;
  final String label;

  WireFormat(Protocol protocol, String label) {
    this.protocol = protocol;
    this.label = label;
  }

  /** Whether the body is a sequence of length-prefixed messages. */
  boolean enveloped() {
    return this != CONNECT_UNARY;
  }

  /** Whether messages are JSON, transcoded to and from MessagePack. */
  boolean json() {
    return protocol == Protocol.JSON;
  }

  /**
   * Returns the format of a content type, or null if the gateway does not serve it. Parameters
   * ({@code ; charset=utf-8}) and case are ignored.
   */
  static WireFormat of(String contentType) {
    if (contentType == null) {
      return null;
    }
    String type = contentType;
    int semicolon = type.indexOf(';');
    if (semicolon >= 0) {
      type = type.substring(0, semicolon);
    }
    type = type.strip().toLowerCase(Locale.ROOT);
    if (is(type, "application/grpc-web-text")) {
      return GRPC_WEB_TEXT;
    }
    if (is(type, "application/grpc-web")) {
      return GRPC_WEB;
    }
    if (is(type, "application/grpc")) {
      return GRPC;
    }
    if (type.equals("application/json")) {
      return CONNECT_UNARY;
    }
    if (type.equals("application/connect+json")) {
      return CONNECT_STREAM;
    }
    return null;
  }

  /** Matches {@code base} itself or {@code base+codec}. */
  private static boolean is(String type, String base) {
    return type.equals(base)
        || (type.startsWith(base)
            && type.length() > base.length()
            && type.charAt(base.length()) == '+');
  }
}
