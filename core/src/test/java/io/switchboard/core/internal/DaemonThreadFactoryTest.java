package io.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DaemonThreadFactoryTest {
  @Test
  void threadsAreDaemonsNumberedAfterThePrefix() {
    DaemonThreadFactory factory = new DaemonThreadFactory("switchboard-test");
    Thread first = factory.newThread(() -> {});
    Thread second = factory.newThread(() -> {});
    assertThat(first.isDaemon()).isTrue();
    assertThat(second.isDaemon()).isTrue();
    assertThat(first.getName()).isEqualTo("switchboard-test-1");
    assertThat(second.getName()).isEqualTo("switchboard-test-2");
    assertThat(first.getState()).isEqualTo(Thread.State.NEW);
  }

  @Test
  void runsTheTaskWhenStartedByAnExecutor() throws Exception {
    ExecutorService executor =
        Executors.newSingleThreadExecutor(new DaemonThreadFactory("switchboard-test-run"));
    try {
      CompletableFuture<Thread> ranOn =
          CompletableFuture.supplyAsync(Thread::currentThread, executor);
      Thread t = ranOn.get(10, TimeUnit.SECONDS);
      assertThat(t.getName()).isEqualTo("switchboard-test-run-1");
      assertThat(t.isDaemon()).isTrue();
    } finally {
      executor.shutdownNow();
      assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aNullPrefixIsRejected() {
    assertThatThrownBy(() -> new DaemonThreadFactory(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("prefix");
  }
}
