package io.switchboard.msgpack.json;

import io.switchboard.msgpack.MessagePackIndex;
import io.switchboard.msgpack.MessagePackShape;
import io.switchboard.msgpack.WireShape;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Types the JSON tests transcode: one of every kind the marshaller supports. */
final class JsonTestTypes {
  private JsonTestTypes() {}

  /** The seed's small user record. */
  public record User(long id, String name, String email, int age, boolean active) {}

  /** The small record in the map shape. */
  @MessagePackShape(WireShape.MAP)
  public record MapUser(long id, String name, String email, int age, boolean active) {}

  public enum Color {
    RED,
    GREEN,
    BLUE
  }

  public enum Level {
    @MessagePackIndex(10)
    LOW,
    @MessagePackIndex(20)
    HIGH
  }

  public sealed interface Shape permits Circle, Square {}

  @MessagePackIndex(0)
  public record Circle(double radius) implements Shape {}

  @MessagePackIndex(1)
  public record Square(long side) implements Shape {}

  /** Scalars: every one, primitive and boxed. */
  public record Scalars(
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
      BigInteger bigInteger) {}

  /** Containers, enums, unions and nesting. */
  public record Containers(
      Color color,
      Level level,
      List<String> strings,
      Set<Integer> ints,
      Map<String, Long> counts,
      Map<Integer, String> byNumber,
      Optional<String> maybe,
      long[] longs,
      String[] names,
      List<User> users,
      Shape shape,
      Map<Color, List<Shape>> nested) {}

  /** Gaps and an out-of-declaration-order index. */
  public record Sparse(
      @MessagePackIndex(3) String late,
      @MessagePackIndex(0) long first,
      @MessagePackIndex(5) int last) {}

  /** A generic record, marshalled through a type token. */
  public record Page<T>(List<T> items, int total, Optional<T> first) {}

  /** A recursive record. */
  public record Node(String name, List<Node> children) {}

  /** A POJO in the map shape, fields without indices. */
  @MessagePackShape(WireShape.MAP)
  public static final class Account {
    String owner;
    long balance;

    Account() {}

    Account(String owner, long balance) {
      this.owner = owner;
      this.balance = balance;
    }
  }
}
