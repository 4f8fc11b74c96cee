package io.switchboard.examples.users;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Where users live. An in-memory map seeded with {@code count} users. */
public final class UserRepository {
  private final Map<Long, User> users = new ConcurrentHashMap<>();

  /** Creates a repository holding users 1..count. */
  public UserRepository(int count) {
    for (long id = 1; id <= count; id++) {
      users.put(
          id,
          new User(
              id, "user" + id, "user" + id + "@example.com", 20 + (int) (id % 50), id % 7 != 0));
    }
  }

  /** Returns the user with this id, if any. */
  public Optional<User> find(long id) {
    return Optional.ofNullable(users.get(id));
  }
}
