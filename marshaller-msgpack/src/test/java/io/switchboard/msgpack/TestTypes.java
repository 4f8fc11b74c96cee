package io.switchboard.msgpack;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Types the tests marshal. */
final class TestTypes {
  private TestTypes() {}

  /** The seed's small user record. */
  record User(long id, String name, String email, int age, boolean active) {}

  enum Color {
    RED,
    GREEN,
    BLUE
  }

  enum Level {
    @MessagePackIndex(10)
    LOW,
    @MessagePackIndex(20)
    HIGH
  }

  sealed interface Shape permits Circle, Square {}

  @MessagePackIndex(0)
  record Circle(double radius) implements Shape {}

  @MessagePackIndex(1)
  record Square(long side) implements Shape {}

  /** Every supported kind of value. */
  record Everything(
      boolean flag,
      byte b,
      short s,
      char c,
      int i,
      long l,
      float f,
      double d,
      Boolean boxedFlag,
      Integer boxedInt,
      Long boxedLong,
      Double boxedDouble,
      String text,
      byte[] bytes,
      Instant instant,
      Duration duration,
      UUID uuid,
      BigDecimal decimal,
      BigInteger bigInteger,
      Color color,
      Level level,
      List<String> strings,
      Set<Integer> ints,
      Map<String, Long> counts,
      Optional<String> maybe,
      long[] longs,
      String[] names,
      List<User> users,
      Shape shape,
      Map<Integer, List<Shape>> nested) {}

  /** A generic record, marshalled through a type token. */
  record Page<T>(List<T> items, int total, Optional<T> first) {}

  /** A recursive record. */
  record Node(String name, List<Node> children) {}

  @MessagePackShape(WireShape.MAP)
  record MapUser(long id, String name) {}

  /** A POJO with a no-arg constructor and mutable fields. */
  static final class Account {
    @MessagePackIndex(0)
    String owner;

    @MessagePackIndex(2)
    long balance;

    @MessagePackIndex(1)
    List<String> tags;

    transient int cached;

    Account() {}

    Account(String owner, long balance, List<String> tags) {
      this.owner = owner;
      this.balance = balance;
      this.tags = tags;
    }
  }

  /** A POJO with final fields and an all-args constructor. */
  static final class Point {
    @MessagePackIndex(0)
    private final int x;

    @MessagePackIndex(1)
    private final int y;

    Point(int x, int y) {
      this.x = x;
      this.y = y;
    }

    int x() {
      return x;
    }

    int y() {
      return y;
    }
  }
}
