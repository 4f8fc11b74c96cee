package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RouteTest {
  private static Route route(String name, String... patterns) {
    Route.Builder b = Route.named(name).target("127.0.0.1:1");
    for (String p : patterns) {
      b.service(p);
    }
    return b.build();
  }

  private static RouteHandler handler(Route route) {
    return new RouteHandler(route, null, new Admission(null), new HeaderPolicy(false));
  }

  @Test
  void exactBeatsLongestPrefixBeatsDefault() {
    RouteTable table =
        new RouteTable(
            List.of(
                handler(route("exact", "demo.UserService")),
                handler(route("demo", "demo.*")),
                handler(route("logs", "demo.logs.*")),
                handler(route("rest", "*"))),
            new Admission(null));

    assertThat(table.route("demo.UserService").name()).isEqualTo("exact");
    assertThat(table.route("demo.OrderService").name()).isEqualTo("demo");
    assertThat(table.route("demo.logs.LogService").name()).isEqualTo("logs");
    assertThat(table.route("demox.Service").name()).isEqualTo("rest");
    assertThat(table.route("other.Service").name()).isEqualTo("rest");
  }

  @Test
  void withoutADefaultRouteUnmatchedServicesHaveNone() {
    RouteTable table =
        new RouteTable(List.of(handler(route("demo", "demo.*"))), new Admission(null));

    assertThat(table.route("demo")).isNull();
    assertThat(table.route("other.Service")).isNull();
    ServerMethodDefinition<?, ?> unrouted = table.lookupMethod("other.Service/Call", null);
    ClosedCall call = new ClosedCall(unrouted.getMethodDescriptor());
    startCall(unrouted, call);

    assertThat(call.status).isNotNull();
    assertThat(call.status.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(call.status.getDescription())
        .contains("no route for service 'other.Service'")
        .contains("demo.*");
    assertThat(table.unroutedCalls()).isEqualTo(1);
  }

  @SuppressWarnings("unchecked")
  private static <ReqT, RespT> void startCall(
      ServerMethodDefinition<ReqT, RespT> method, ServerCall<?, ?> call) {
    method.getServerCallHandler().startCall((ServerCall<ReqT, RespT>) call, new Metadata());
  }

  /** A server call that records how it was closed. */
  private static final class ClosedCall extends ServerCall<Object, Object> {
    private final MethodDescriptor<?, ?> method;
    Status status;

    ClosedCall(MethodDescriptor<?, ?> method) {
      this.method = method;
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(Object message) {}

    @Override
    public void close(Status status, Metadata trailers) {
      assertThat(this.status).as("closed once").isNull();
      this.status = status;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @SuppressWarnings("unchecked")
    @Override
    public MethodDescriptor<Object, Object> getMethodDescriptor() {
      return (MethodDescriptor<Object, Object>) method;
    }
  }

  @Test
  void settersCheckAtOnce() {
    assertThatThrownBy(() -> Route.named("bad name"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name: 'bad name'");
    assertThatThrownBy(() -> Route.named("r").service("demo.*.x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pattern: 'demo.*.x'");
    assertThatThrownBy(() -> Route.named("r").service("a.B").service("a.B"))
        .hasMessageContaining("expected: added once");
    assertThatThrownBy(() -> Route.named("r").maxMessageBytes(0))
        .hasMessage("maxMessageBytes: 0 (expected: > 0)");
    assertThatThrownBy(() -> Route.named("r").maxTimeout(Duration.ZERO))
        .hasMessage("maxTimeout: PT0S (expected: > 0)");
    assertThatThrownBy(() -> Route.named("r").flowControlWindowBytes(1000))
        .hasMessageContaining("expected: >= 65535");
  }

  @Test
  void buildChecksCombinations() {
    assertThatThrownBy(() -> Route.named("r").target("x:1").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no service pattern");
    assertThatThrownBy(() -> Route.named("r").service("*").build())
        .hasMessageContaining("no target");
    assertThatThrownBy(
            () ->
                Route.named("r")
                    .service("*")
                    .target("x:1")
                    .defaultTimeout(Duration.ofSeconds(10))
                    .maxTimeout(Duration.ofSeconds(5))
                    .build())
        .hasMessageContaining("defaultTimeout PT10S (expected: <= maxTimeout PT5S)");
    assertThatThrownBy(
            () -> Gateway.builder().route(route("a", "x.Y")).route(route("b", "x.Y")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("pattern 'x.Y' in routes 'a' and 'b'");
    assertThatThrownBy(
            () -> Gateway.builder().route(route("a", "x.Y")).route(route("a", "z.*")).build())
        .hasMessageContaining("two routes named 'a'");
    assertThatThrownBy(() -> Gateway.builder().build()).hasMessageContaining("no route");
  }

  @Test
  void toBuilderKeepsEverySetting() {
    Route original =
        Route.named("r")
            .service("a.*")
            .service("b.C")
            .target("dns:///x:443")
            .usePlaintext()
            .maxMessageBytes(10)
            .flowControlWindowBytes(70_000)
            .defaultTimeout(Duration.ofSeconds(1))
            .maxTimeout(Duration.ofSeconds(2))
            .build();

    Route copy = original.toBuilder().build();

    assertThat(copy).usingRecursiveComparison().isEqualTo(original);
  }

  @Test
  void deadlinePolicy() {
    RouteHandler capped =
        handler(
            Route.named("r")
                .service("*")
                .target("x:1")
                .defaultTimeout(Duration.ofSeconds(1))
                .maxTimeout(Duration.ofSeconds(10))
                .build());
    RouteHandler open = handler(route("o", "*"));
    Deadline inAMinute = Deadline.after(1, TimeUnit.MINUTES);
    Deadline inAMilli = Deadline.after(1, TimeUnit.MILLISECONDS);

    assertThat(open.deadlineFor(null)).isNull();
    assertThat(open.deadlineFor(inAMinute)).isSameAs(inAMinute);
    assertThat(capped.deadlineFor(null).timeRemaining(TimeUnit.MILLISECONDS)).isBetween(1L, 1000L);
    assertThat(capped.deadlineFor(inAMinute).timeRemaining(TimeUnit.SECONDS)).isBetween(1L, 10L);
    assertThat(capped.deadlineFor(inAMilli)).isSameAs(inAMilli);
  }
}
