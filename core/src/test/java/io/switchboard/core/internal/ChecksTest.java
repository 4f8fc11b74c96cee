package io.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ChecksTest {
  @Test
  void positiveReturnsTheValueOrNamesTheBound() {
    assertThat(Checks.positive("maxChannels", 1)).isEqualTo(1);
    assertThat(Checks.positive("bytes", Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    assertThatThrownBy(() -> Checks.positive("maxChannels", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxChannels: 0 (expected: > 0)");
    assertThatThrownBy(() -> Checks.positive("bytes", -5L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bytes: -5 (expected: > 0)");
  }

  @Test
  void notNegativeAcceptsZero() {
    assertThat(Checks.notNegative("retries", 0)).isZero();
    assertThat(Checks.notNegative("offset", 7L)).isEqualTo(7L);
    assertThatThrownBy(() -> Checks.notNegative("retries", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retries: -1 (expected: >= 0)");
    assertThatThrownBy(() -> Checks.notNegative("offset", Long.MIN_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("offset: " + Long.MIN_VALUE + " (expected: >= 0)");
  }

  @Test
  void inRangeIncludesBothEnds() {
    assertThat(Checks.inRange("size", 1, 1, 10)).isEqualTo(1);
    assertThat(Checks.inRange("size", 10, 1, 10)).isEqualTo(10);
    assertThat(Checks.inRange("size", 3L, 3L, 3L)).isEqualTo(3L);
    assertThat(Checks.inRange("jitter", 0.5, 0.0, 1.0)).isEqualTo(0.5);
    assertThatThrownBy(() -> Checks.inRange("size", 11, 1, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("size: 11 (expected: 1..10)");
    assertThatThrownBy(() -> Checks.inRange("size", 0L, 1L, 10L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("size: 0 (expected: 1..10)");
    assertThatThrownBy(() -> Checks.inRange("jitter", 1.5, 0.0, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("jitter: 1.5 (expected: 0.0..1.0)");
    assertThatThrownBy(() -> Checks.inRange("jitter", Double.NaN, 0.0, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("jitter: NaN (expected: 0.0..1.0)");
  }

  @Test
  void durations() {
    assertThat(Checks.positive("timeout", Duration.ofNanos(1))).isEqualTo(Duration.ofNanos(1));
    assertThat(Checks.notNegative("delay", Duration.ZERO)).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> Checks.positive("timeout", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout: PT0S (expected: > 0)");
    assertThatThrownBy(() -> Checks.positive("timeout", Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout: PT-1S (expected: > 0)");
    assertThatThrownBy(() -> Checks.notNegative("delay", Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay: PT-0.001S (expected: >= 0)");
    assertThatThrownBy(() -> Checks.positive("timeout", (Duration) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("timeout");
    assertThatThrownBy(() -> Checks.notNegative("delay", (Duration) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("delay");
  }

  @Test
  void notBlank() {
    assertThat(Checks.notBlank("name", "users")).isEqualTo("users");
    assertThatThrownBy(() -> Checks.notBlank("name", " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name: \" \" (expected: not blank)");
    assertThatThrownBy(() -> Checks.notBlank("name", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
  }
}
