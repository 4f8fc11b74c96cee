package io.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class DescriptionsTest {
  @Test
  void classAndMessage() {
    assertThat(Descriptions.of(new IllegalStateException("no row 7")))
        .isEqualTo("IllegalStateException: no row 7");
    assertThat(Descriptions.of(new IOException())).isEqualTo("IOException");
  }

  @Test
  void anAnonymousClassIsNamedInFull() {
    RuntimeException anonymous = new RuntimeException("odd") {};
    assertThat(Descriptions.of(anonymous))
        .isEqualTo(anonymous.getClass().getName() + ": odd")
        .startsWith("io.switchboard.core.internal.DescriptionsTest$");
  }

  @Test
  void longTextIsCutToOneKibibyte() {
    String huge = "x".repeat(10_000);
    String described = Descriptions.of(new IllegalStateException(huge));
    assertThat(described).hasSize(Descriptions.MAX_LENGTH).endsWith("...");
    assertThat(described).startsWith("IllegalStateException: xxx");
    assertThat(Descriptions.cap("y".repeat(Descriptions.MAX_LENGTH)))
        .isEqualTo("y".repeat(Descriptions.MAX_LENGTH));
    assertThat(Descriptions.cap("y".repeat(Descriptions.MAX_LENGTH + 1)))
        .hasSize(Descriptions.MAX_LENGTH)
        .endsWith("y...");
  }

  @Test
  void unwrapLooksThroughWrappersOnly() {
    IllegalStateException root = new IllegalStateException("root");
    Throwable wrapped =
        new CompletionException(
            new ExecutionException(
                new InvocationTargetException(new UndeclaredThrowableException(root))));
    assertThat(Descriptions.unwrap(wrapped)).isSameAs(root);
    RuntimeException notAWrapper = new RuntimeException(root);
    assertThat(Descriptions.unwrap(notAWrapper)).isSameAs(notAWrapper);
    CompletionException empty = new CompletionException("no cause", null);
    assertThat(Descriptions.unwrap(empty)).isSameAs(empty);
  }

  @Test
  void unwrapStopsOnACycle() {
    CompletionException a = new CompletionException("a") {}; // cause not yet set
    CompletionException b = new CompletionException("b", a);
    a.initCause(b);
    assertThat(Descriptions.unwrap(a)).isIn(a, b);
  }
}
