package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.MethodDescriptor.MethodType;
import io.switchboard.testing.TestMarshallers;
import org.junit.jupiter.api.Test;

class ServiceSpecTest {
  private static final Marshaller<String> M = TestMarshallers.utf8();

  @Test
  void declaresRealDescriptorsOfEachKind() {
    ServiceSpec service = ServiceSpec.named("demo.UserService");

    MethodSpec<String, String> unary = service.unary("GetUser", M, M);
    MethodSpec<String, String> server = service.serverStreaming("Tail", M, M);
    MethodSpec<String, String> client = service.clientStreaming("Upload", M, M);
    MethodSpec<String, String> bidi = service.bidiStreaming("Chat", M, M);

    assertThat(unary.descriptor().getFullMethodName()).isEqualTo("demo.UserService/GetUser");
    assertThat(unary.descriptor().getServiceName()).isEqualTo("demo.UserService");
    assertThat(unary.methodName()).isEqualTo("GetUser");
    assertThat(unary.serviceName()).isEqualTo("demo.UserService");
    assertThat(unary.type()).isEqualTo(MethodType.UNARY);
    assertThat(server.type()).isEqualTo(MethodType.SERVER_STREAMING);
    assertThat(client.type()).isEqualTo(MethodType.CLIENT_STREAMING);
    assertThat(bidi.type()).isEqualTo(MethodType.BIDI_STREAMING);
    assertThat(unary.descriptor().getRequestMarshaller()).isSameAs(M);
    assertThat(unary.withIdempotent(true).descriptor().isIdempotent()).isTrue();
    assertThat(unary.descriptor().isIdempotent()).isFalse();
    // As generated stubs: grpc-java's per-call metrics name the method instead of "other".
    assertThat(unary.descriptor().isSampledToLocalTracing()).isTrue();
  }

  @Test
  void rejectsBadNamesWithTheNameAndTheRule() {
    assertThatThrownBy(() -> ServiceSpec.named(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fullServiceName: empty");
    assertThatThrownBy(() -> ServiceSpec.named("demo/Users"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fullServiceName: \"demo/Users\"");
    assertThatThrownBy(() -> ServiceSpec.named("demo.Users").unary("Get User", M, M))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("methodName: \"Get User\"");
    assertThatThrownBy(() -> ServiceSpec.named("demo.Users").unary("Get", null, M))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("request marshaller");
    assertThatThrownBy(
            () -> ServiceSpec.named("demo.Users").method(MethodType.UNKNOWN, "Get", M, M))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("UNKNOWN");
  }

  @Test
  void wrapsExistingDescriptors() {
    MethodDescriptor<String, String> generated =
        MethodDescriptor.<String, String>newBuilder()
            .setType(MethodType.UNARY)
            .setFullMethodName("pkg.Svc/Do")
            .setRequestMarshaller(M)
            .setResponseMarshaller(M)
            .build();
    MethodSpec<String, String> spec = MethodSpec.of(generated);
    assertThat(spec.descriptor()).isSameAs(generated);
    assertThat(spec.serviceName()).isEqualTo("pkg.Svc");

    MethodDescriptor<String, String> noService =
        generated.toBuilder().setFullMethodName("Do").build();
    assertThatThrownBy(() -> MethodSpec.of(noService))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("service/method");
  }

  @Test
  void specsAreValuesByName() {
    assertThat(ServiceSpec.named("a.B")).isEqualTo(ServiceSpec.named("a.B"));
    assertThat(ServiceSpec.named("a.B")).hasSameHashCodeAs(ServiceSpec.named("a.B"));
    assertThat(ServiceSpec.named("a.B")).isNotEqualTo(ServiceSpec.named("a.C"));
  }
}
