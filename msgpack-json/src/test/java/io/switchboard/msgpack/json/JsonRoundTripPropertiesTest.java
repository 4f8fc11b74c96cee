package io.switchboard.msgpack.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.msgpack.MessagePackMarshaller;
import io.switchboard.msgpack.MessagePackSettings;
import io.switchboard.msgpack.TypeToken;
import io.switchboard.msgpack.WireShape;
import io.switchboard.msgpack.json.JsonTestTypes.Circle;
import io.switchboard.msgpack.json.JsonTestTypes.Color;
import io.switchboard.msgpack.json.JsonTestTypes.Containers;
import io.switchboard.msgpack.json.JsonTestTypes.Level;
import io.switchboard.msgpack.json.JsonTestTypes.Node;
import io.switchboard.msgpack.json.JsonTestTypes.Page;
import io.switchboard.msgpack.json.JsonTestTypes.Scalars;
import io.switchboard.msgpack.json.JsonTestTypes.Shape;
import io.switchboard.msgpack.json.JsonTestTypes.Sparse;
import io.switchboard.msgpack.json.JsonTestTypes.Square;
import io.switchboard.msgpack.json.JsonTestTypes.User;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Canonical JSON survives JSON → MessagePack → JSON unchanged, and the MessagePack in between is
 * byte for byte what the Java marshaller writes for the same values, for generated values of every
 * kind in both shapes.
 */
class JsonRoundTripPropertiesTest {
  private static final MessagePackSettings MAP_SHAPE =
      MessagePackSettings.newBuilder().defaultShape(WireShape.MAP).build();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * Checks the round trips of one value: its bytes to canonical JSON, that JSON back to the same
   * bytes and the same JSON, and the bytes back to an equal value.
   */
  private static <T> void check(MessagePackMarshaller<T> marshaller, T value) {
    JsonTranscoder transcoder = JsonTranscoder.of(marshaller.schema());
    byte[] bytes = marshaller.encode(value);
    byte[] json = transcoder.toJson(bytes);
    byte[] again = transcoder.toMessagePack(json);
    assertThat(again).as("bytes of %s", utf8(json)).isEqualTo(bytes);
    assertThat(utf8(transcoder.toJson(again))).isEqualTo(utf8(json));
    // The value read back writes the same bytes (NaN included, which equals() would not match).
    assertThat(marshaller.encode(marshaller.decode(again))).isEqualTo(bytes);
  }

  private static <T> void checkBothShapes(Class<T> type, T value) {
    check(MessagePackMarshaller.of(type), value);
    check(MessagePackMarshaller.of(type, MAP_SHAPE), value);
  }

  private static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Property(tries = 150)
  void scalars(@ForAll("scalars") Scalars value) {
    checkBothShapes(Scalars.class, value);
  }

  @Property(tries = 100)
  void containers(@ForAll("containers") Containers value) {
    checkBothShapes(Containers.class, value);
  }

  @Property(tries = 200)
  void users(
      @ForAll long id,
      @ForAll String name,
      @ForAll String email,
      @ForAll int age,
      @ForAll boolean active) {
    checkBothShapes(User.class, new User(id, name, email, age, active));
  }

  @Property(tries = 200)
  void sparse(@ForAll String late, @ForAll long first, @ForAll int last) {
    checkBothShapes(Sparse.class, new Sparse(late, first, last));
  }

  @Property(tries = 200)
  void generic(@ForAll List<String> strings) {
    Page<String> page = new Page<>(strings, strings.size(), strings.stream().findFirst());
    check(MessagePackMarshaller.of(new TypeToken<Page<String>>() {}), page);
    check(MessagePackMarshaller.of(new TypeToken<Page<String>>() {}, MAP_SHAPE), page);
  }

  @Property(tries = 100)
  void recursiveTrees(@ForAll("trees") Node tree) {
    checkBothShapes(Node.class, tree);
  }

  /**
   * Without a schema, a JSON document of objects, arrays, strings, integers, floats, booleans and
   * nulls survives JSON → MessagePack → JSON as the same tree, integers staying integers and floats
   * floats.
   */
  @Property(tries = 200)
  void schemaless(@ForAll("documents") Object document) throws Exception {
    JsonTranscoder transcoder = JsonTranscoder.schemaless();
    byte[] json = MAPPER.writeValueAsBytes(document);
    byte[] back = transcoder.toJson(transcoder.toMessagePack(json));
    JsonNode expected = MAPPER.readTree(json);
    JsonNode actual = MAPPER.readTree(back);
    assertThat(actual).isEqualTo(expected);
    assertThat(utf8(back)).isEqualTo(utf8(json));
  }

  @Provide
  Arbitrary<Object> documents() {
    return Arbitraries.randomValue(r -> document(r, 0));
  }

  private static Object document(Random r, int depth) {
    int kind = depth >= 4 ? 2 + r.nextInt(6) : r.nextInt(8);
    switch (kind) {
      case 0:
        {
          Map<String, Object> map = new LinkedHashMap<>();
          for (int i = r.nextInt(20); i > 0; i--) {
            map.put(text(r), document(r, depth + 1));
          }
          return map;
        }
      case 1:
        {
          List<Object> list = new ArrayList<>();
          for (int i = r.nextInt(20); i > 0; i--) {
            list.add(document(r, depth + 1));
          }
          return list;
        }
      case 2:
        return text(r);
      case 3:
        return r.nextBoolean() ? r.nextLong() : (long) r.nextInt(200) - 100;
      case 4:
        return r.nextBoolean() ? r.nextDouble() * r.nextInt() : (double) r.nextInt(100);
      case 5:
        return r.nextBoolean();
      case 6:
        return null;
      default:
        return new BigInteger(64, r)
            .add(BigInteger.valueOf(Long.MAX_VALUE))
            .min(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE));
    }
  }

  @Provide
  Arbitrary<Node> trees() {
    return Arbitraries.randomValue(random -> tree(random, 0));
  }

  private static Node tree(Random random, int depth) {
    List<Node> children = new ArrayList<>();
    int n = depth >= 6 ? 0 : random.nextInt(4);
    for (int i = 0; i < n; i++) {
      children.add(tree(random, depth + 1));
    }
    return new Node("n" + random.nextInt(100), children);
  }

  @Provide
  Arbitrary<Scalars> scalars() {
    return Arbitraries.randomValue(JsonRoundTripPropertiesTest::scalars);
  }

  @Provide
  Arbitrary<Containers> containers() {
    return Arbitraries.randomValue(JsonRoundTripPropertiesTest::containers);
  }

  private static final double[] SPECIAL_DOUBLES = {
    Double.NaN,
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY,
    -0.0,
    Double.MIN_VALUE,
    Double.MAX_VALUE,
    1e300,
    0.1
  };

  private static double aDouble(Random r) {
    return r.nextInt(5) == 0
        ? SPECIAL_DOUBLES[r.nextInt(SPECIAL_DOUBLES.length)]
        : r.nextDouble() * r.nextLong();
  }

  static Scalars scalars(Random r) {
    byte[] bytes = new byte[r.nextInt(40)];
    r.nextBytes(bytes);
    return new Scalars(
        r.nextBoolean(),
        (byte) r.nextInt(),
        (short) r.nextInt(),
        (char) r.nextInt(Character.MAX_VALUE + 1),
        r.nextInt(),
        r.nextInt(4) == 0 ? (r.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE) : r.nextLong(),
        (float) aDouble(r),
        aDouble(r),
        r.nextBoolean() ? null : r.nextBoolean(),
        r.nextBoolean() ? null : r.nextInt(),
        r.nextBoolean() ? null : r.nextLong(),
        r.nextBoolean() ? null : aDouble(r),
        r.nextBoolean() ? null : text(r),
        r.nextBoolean() ? null : bytes,
        r.nextBoolean()
            ? null
            : Instant.ofEpochSecond(
                r.nextLong() % 253402300799L, r.nextBoolean() ? 0 : r.nextInt(1_000_000_000)),
        r.nextBoolean()
            ? null
            : Duration.ofSeconds(r.nextLong() / 2, r.nextBoolean() ? 0 : r.nextInt(1_000_000_000)),
        r.nextBoolean() ? null : new UUID(r.nextLong(), r.nextLong()),
        r.nextBoolean() ? null : BigDecimal.valueOf(r.nextLong(), r.nextInt(40) - 20),
        r.nextBoolean() ? null : BigInteger.valueOf(r.nextLong()).shiftLeft(r.nextInt(100)));
  }

  static Containers containers(Random r) {
    List<String> strings = new ArrayList<>();
    Set<Integer> ints = new LinkedHashSet<>();
    Map<String, Long> counts = new LinkedHashMap<>();
    Map<Integer, String> byNumber = new LinkedHashMap<>();
    List<User> users = new ArrayList<>();
    Map<Color, List<Shape>> nested = new LinkedHashMap<>();
    for (int i = r.nextInt(20); i > 0; i--) {
      strings.add(r.nextBoolean() ? text(r) : null);
      ints.add(r.nextInt());
      counts.put(text(r), r.nextBoolean() ? r.nextLong() : null);
      byNumber.put(r.nextInt(), text(r));
      users.add(
          new User(
              r.nextLong(),
              text(r),
              r.nextBoolean() ? null : text(r),
              r.nextInt(),
              r.nextBoolean()));
      nested.put(Color.values()[r.nextInt(3)], List.of(shape(r), shape(r)));
    }
    return new Containers(
        r.nextBoolean() ? null : Color.values()[r.nextInt(3)],
        r.nextBoolean() ? null : Level.values()[r.nextInt(2)],
        strings,
        Collections.unmodifiableSet(ints),
        counts,
        byNumber,
        r.nextBoolean() ? Optional.empty() : Optional.of(text(r)),
        r.nextBoolean() ? null : r.longs(r.nextInt(20)).toArray(),
        new String[] {text(r), null, text(r)},
        users,
        r.nextBoolean() ? null : shape(r),
        nested);
  }

  private static Shape shape(Random r) {
    return r.nextBoolean() ? new Circle(aDouble(r)) : new Square(r.nextLong());
  }

  /** Text with ASCII, escapes, control characters, non-ASCII and surrogate pairs. */
  private static String text(Random r) {
    StringBuilder s = new StringBuilder();
    for (int i = r.nextInt(12); i > 0; i--) {
      int pick = r.nextInt(8);
      s.appendCodePoint(
          switch (pick) {
            case 0 -> 0x1F600 + r.nextInt(50);
            case 1 -> "\"\\/\n\t\u0001".charAt(r.nextInt(6));
            case 2 -> 0xE9 + r.nextInt(40);
            case 3 -> 0x4E00 + r.nextInt(1000);
            default -> 'a' + r.nextInt(26);
          });
    }
    return s.toString();
  }
}
