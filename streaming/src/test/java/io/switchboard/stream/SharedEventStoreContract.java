package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a store shared by several processes must do beyond {@link EventStoreContract}: instances
 * over one log (standing in for processes) append into one order and see each other's events.
 */
public abstract class SharedEventStoreContract extends EventStoreContract {
  /** Opens another instance over the same log as {@code store}, as another process would. */
  protected abstract EventStore<String> openAgain(EventStore<String> store) throws Exception;

  @Override
  protected List<EventStore<String>> appenders(EventStore<String> first) throws Exception {
    return List.of(first, openAgain(first), openAgain(first));
  }

  @Test
  void instancesSeeEachOthersAppendsInOneOrder() throws Exception {
    EventStore<String> a = newStore();
    EventStore<String> b = openAgain(a);
    a.append("from-a", Instant.now());
    b.append("from-b", Instant.now());
    a.append("from-a-again", Instant.now());
    for (EventStore<String> s : List.of(a, b)) {
      assertThat(s.lastSequence()).isEqualTo(3);
      assertThat(s.firstSequence()).isEqualTo(1);
      assertThat(s.read(1, 10))
          .extracting(Event::payload)
          .containsExactly("from-a", "from-b", "from-a-again");
    }
  }
}
