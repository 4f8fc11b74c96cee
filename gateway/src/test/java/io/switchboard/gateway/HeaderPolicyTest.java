package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import org.junit.jupiter.api.Test;

class HeaderPolicyTest {
  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  private static Metadata request() {
    Metadata headers = new Metadata();
    for (String name :
        new String[] {
          "keep-alive",
          "te",
          "upgrade",
          "content-type",
          "grpc-timeout",
          "grpc-encoding",
          "grpc-accept-encoding",
          "user-agent",
          "proxy-authorization"
        }) {
      headers.put(key(name), "v");
    }
    headers.put(Authenticator.AUTHORIZATION, "Bearer t");
    headers.put(key("x-request-id"), "a");
    headers.put(key("x-request-id"), "b");
    headers.put(Metadata.Key.of("x-blob-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[] {1});
    return headers;
  }

  @Test
  void dropsPerHopHeadersAndCredentialsKeepsTheRest() {
    Metadata original = request();

    Metadata forwarded = new HeaderPolicy(false).toBackend(original);

    assertThat(forwarded.keys()).containsExactlyInAnyOrder("x-request-id", "x-blob-bin");
    assertThat(forwarded.getAll(key("x-request-id"))).containsExactly("a", "b");
    assertThat(original.keys()).as("the client's headers are not changed").hasSize(12);
  }

  @Test
  void forwardsCredentialsWhenAllowed() {
    Metadata forwarded = new HeaderPolicy(true).toBackend(request());

    assertThat(forwarded.get(Authenticator.AUTHORIZATION)).isEqualTo("Bearer t");
    assertThat(forwarded.containsKey(key("proxy-authorization"))).isFalse();
  }

  @Test
  void stripsPerHopHeadersFromResponses() {
    Metadata response = new Metadata();
    response.put(key("content-type"), "application/grpc");
    response.put(key("grpc-encoding"), "identity");
    response.put(key("x-backend"), "users");

    assertThat(new HeaderPolicy(false).toClient(response).keys()).containsExactly("x-backend");
  }
}
