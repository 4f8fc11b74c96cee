package io.switchboard.stream;

/** The in-memory ring meets the store contract. */
class InMemoryEventStoreTest extends EventStoreContract {
  @Override
  protected EventStore<String> newStore() {
    return EventStore.inMemory(10_000);
  }
}
