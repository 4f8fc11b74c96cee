package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.ServerServiceDefinition;
import io.switchboard.testing.TestMarshallers;
import org.junit.jupiter.api.Test;

class ServiceBinderTest {
  static final Marshaller<String> M = TestMarshallers.utf8();
  static final ServiceSpec SPEC = ServiceSpec.named("test.Binder");
  static final MethodSpec<String, String> UNARY = SPEC.unary("U", M, M);
  static final MethodSpec<String, String> STREAM = SPEC.serverStreaming("S", M, M);

  @Test
  void buildsADefinitionWithEveryBoundMethod() {
    ServerServiceDefinition definition =
        ServiceBinder.forService(SPEC)
            .unary(UNARY, s -> s)
            .serverStreaming(STREAM, (s, out) -> out.onCompleted())
            .build();
    assertThat(definition.getServiceDescriptor().getName()).isEqualTo("test.Binder");
    assertThat(definition.getMethods()).hasSize(2);
    assertThat(definition.getMethod("test.Binder/U").getMethodDescriptor().getType())
        .isEqualTo(UNARY.type());
    assertThat(definition.getMethod("test.Binder/S").getMethodDescriptor().getResponseMarshaller())
        .isSameAs(M);
  }

  @Test
  void rejectsMisuseWithTheMethodAndTheRule() {
    ServiceBinder binder = ServiceBinder.forService(SPEC);
    assertThatThrownBy(() -> binder.unary(STREAM, s -> s))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "method test.Binder/S: type SERVER_STREAMING (expected: UNARY for this binding)");
    MethodSpec<String, String> foreign = ServiceSpec.named("test.Other").unary("U", M, M);
    assertThatThrownBy(() -> binder.unary(foreign, s -> s))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("belongs to service test.Other (expected: test.Binder)");
    binder.unary(UNARY, s -> s);
    assertThatThrownBy(() -> binder.unaryAsync(UNARY, s -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already bound");
    assertThatThrownBy(() -> binder.unary(UNARY, null)).isInstanceOf(NullPointerException.class);
    binder.build();
    assertThatThrownBy(binder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("build() already called");
    assertThatThrownBy(() -> ServiceBinder.forService(SPEC).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no method bound");
  }
}
