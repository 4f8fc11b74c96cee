package io.switchboard.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class InstrumentTest {
  private static final Instrument CALLS =
      Instrument.counter(
          "switchboard.test.calls", "{call}", "Calls.", "grpc.target", "grpc.status");

  @Test
  void keepsWhatItDeclares() {
    assertThat(CALLS.name()).isEqualTo("switchboard.test.calls");
    assertThat(CALLS.kind()).isEqualTo(Instrument.Kind.COUNTER);
    assertThat(CALLS.unit()).isEqualTo("{call}");
    assertThat(CALLS.description()).isEqualTo("Calls.");
    assertThat(CALLS.attributeKeys()).containsExactly("grpc.target", "grpc.status");
    assertThat(CALLS.buckets()).isEmpty();
    assertThat(CALLS)
        .isEqualTo(
            Instrument.counter(
                "switchboard.test.calls", "{call}", "Calls.", "grpc.target", "grpc.status"))
        .hasSameHashCodeAs(
            Instrument.counter(
                "switchboard.test.calls", "{call}", "Calls.", "grpc.target", "grpc.status"))
        .isNotEqualTo(Instrument.upDownCounter("switchboard.test.calls", "{call}", "Calls."));
  }

  @Test
  void durationHistogramsGetTheA66Buckets() {
    Instrument seconds = Instrument.histogram("switchboard.test.duration", "s", "Duration.");
    assertThat(seconds.buckets()).isEqualTo(Instrument.LATENCY_BUCKETS_SECONDS);
    assertThat(seconds.buckets()).startsWith(0d, 0.00001).endsWith(100d).hasSize(41);
    Instrument bytes = Instrument.histogram("switchboard.test.size", "By", "Size.");
    assertThat(bytes.buckets()).isEmpty();
    assertThat(bytes.withBuckets(List.of(1d, 10d)).buckets()).containsExactly(1d, 10d);
  }

  @Test
  void rejectsMalformedDeclarations() {
    assertThatThrownBy(() -> Instrument.counter("Switchboard.Calls", "1", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("name: \"Switchboard.Calls\" (expected: lower-case");
    assertThatThrownBy(() -> Instrument.counter("a..b", "1", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Instrument.counter("a." + "b".repeat(300), "1", "x"))
        .hasMessageContaining("at most 255");
    assertThatThrownBy(() -> Instrument.counter("a.b", "{a call}", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unit: \"{a call}\" (expected: at most 63 printable ASCII");
    assertThatThrownBy(() -> Instrument.counter("a.b", "1", "x", "k", "k"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attributeKeys: [k, k] (expected: no key twice)");
    assertThatThrownBy(() -> Instrument.counter("a.b", "1", "x", "Bad Key"))
        .hasMessageStartingWith("attributeKeys: \"Bad Key\"");
    assertThatThrownBy(() -> Instrument.counter("a.b", "1", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("description");
    assertThatThrownBy(() -> CALLS.withBuckets(List.of(1d)))
        .isInstanceOf(IllegalStateException.class);
    Instrument histogram = Instrument.histogram("a.b", "By", "x");
    assertThatThrownBy(() -> histogram.withBuckets(List.of(2d, 1d)))
        .hasMessage("boundaries: [2.0, 1.0] (expected: finite and strictly increasing)");
    assertThatThrownBy(() -> histogram.withBuckets(List.of()))
        .hasMessage("boundaries: [] (expected: at least one)");
  }

  @Test
  void checksBindings() {
    assertThat(CALLS.checkBinding(Instrument.Kind.COUNTER, "t", "OK")).containsExactly("t", "OK");
    assertThatThrownBy(() -> CALLS.checkBinding(Instrument.Kind.COUNTER, "t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "switchboard.test.calls: attribute values [t] (expected: one for each of"
                + " [grpc.target, grpc.status])");
    assertThatThrownBy(() -> CALLS.checkBinding(Instrument.Kind.COUNTER, "t", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("switchboard.test.calls: null value for grpc.status");
    assertThatThrownBy(() -> CALLS.checkBinding(Instrument.Kind.HISTOGRAM, "t", "OK"))
        .hasMessage("switchboard.test.calls: a COUNTER (expected: a HISTOGRAM for this method)");
    assertThatThrownBy(() -> CALLS.checkObservation("t", "OK"))
        .hasMessage("switchboard.test.calls: a COUNTER (expected: an observed kind for observe())");
    Instrument gauge = Instrument.gauge("switchboard.test.limit", "{call}", "Limit.");
    assertThat(gauge.checkObservation()).isEmpty();
    assertThat(gauge.kind().isObserved()).isTrue();
  }

  @Test
  void noopRecordsNothingButStillChecks() {
    MetricSink sink = MetricSink.noop();
    assertThat(sink.isNoop()).isTrue();
    sink.counter(CALLS, "t", "OK").add(5);
    sink.upDownCounter(Instrument.upDownCounter("a.b", "1", "x"), new String[0]).add(-1);
    sink.histogram(Instrument.histogram("a.c", "s", "x")).recordNanos(1_000);
    boolean[] called = {false};
    sink.observe(Instrument.gauge("a.d", "1", "x"), () -> (called[0] = true) ? 1 : 0).close();
    assertThat(called[0]).as("the no-op sink never calls a callback").isFalse();
    assertThatThrownBy(() -> sink.counter(CALLS, "t")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> sink.observe(CALLS, () -> 1, "t", "OK"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
