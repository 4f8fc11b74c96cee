package io.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QuickStartTest {
  @Test
  void theReadmesQuickStartWorks() throws Exception {
    QuickStart.User user = QuickStart.run();
    assertThat(user.id()).isEqualTo(42);
    assertThat(user.name()).isEqualTo("ada");
  }
}
