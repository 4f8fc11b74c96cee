package io.switchboard.msgpack;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.msgpack.TestTypes.Circle;
import io.switchboard.msgpack.TestTypes.Color;
import io.switchboard.msgpack.TestTypes.Everything;
import io.switchboard.msgpack.TestTypes.Level;
import io.switchboard.msgpack.TestTypes.Node;
import io.switchboard.msgpack.TestTypes.Page;
import io.switchboard.msgpack.TestTypes.Shape;
import io.switchboard.msgpack.TestTypes.Square;
import io.switchboard.msgpack.TestTypes.User;
import java.math.BigDecimal;
import java.math.BigInteger;
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
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** Generated values of every supported type survive encode then decode, in both shapes. */
class RoundTripPropertiesTest {
  private static final MessagePackSettings MAP_SHAPE =
      MessagePackSettings.newBuilder().defaultShape(WireShape.MAP).build();

  private static <T> T roundTrip(MessagePackMarshaller<T> marshaller, T value) {
    T viaBytes = marshaller.decode(marshaller.encode(value));
    T viaStreams = marshaller.parse(marshaller.stream(value));
    assertThat(viaStreams).usingRecursiveComparison().isEqualTo(viaBytes);
    return viaBytes;
  }

  private static <T> void assertRoundTrip(Class<T> type, T value) {
    assertThat(roundTrip(MessagePackMarshaller.of(type), value))
        .usingRecursiveComparison()
        .isEqualTo(value);
  }

  @Property
  void longs(@ForAll long v) {
    assertRoundTrip(Long.class, v);
  }

  @Property
  void ints(@ForAll int v) {
    assertRoundTrip(Integer.class, v);
  }

  @Property
  void shortsBytesChars(@ForAll short s, @ForAll byte b, @ForAll char c) {
    assertRoundTrip(Short.class, s);
    assertRoundTrip(Byte.class, b);
    assertRoundTrip(Character.class, c);
  }

  @Property
  void floatingPoint(@ForAll double d, @ForAll float f) {
    assertRoundTrip(Double.class, d);
    assertRoundTrip(Float.class, f);
  }

  @Property
  void strings(@ForAll String s) {
    assertRoundTrip(String.class, s);
  }

  @Property
  void binary(@ForAll byte[] bytes) {
    assertRoundTrip(byte[].class, bytes);
  }

  @Property
  void instants(
      @ForAll @LongRange(min = -31557014167219200L, max = 31556889864403199L) long seconds,
      @ForAll @IntRange(max = 999_999_999) int nanos) {
    assertRoundTrip(Instant.class, Instant.ofEpochSecond(seconds, nanos));
  }

  @Property
  void durations(@ForAll long seconds, @ForAll @IntRange(max = 999_999_999) int nanos) {
    assertRoundTrip(Duration.class, Duration.ofSeconds(seconds, nanos));
  }

  @Property
  void uuids(@ForAll long msb, @ForAll long lsb) {
    assertRoundTrip(UUID.class, new UUID(msb, lsb));
  }

  @Property
  void decimals(@ForAll BigDecimal d, @ForAll BigInteger i) {
    assertRoundTrip(BigDecimal.class, d);
    assertRoundTrip(BigInteger.class, i);
  }

  @Property
  void enums(@ForAll Color color, @ForAll Level level) {
    assertRoundTrip(Color.class, color);
    assertRoundTrip(Level.class, level);
  }

  @Property
  void users(
      @ForAll long id,
      @ForAll String name,
      @ForAll String email,
      @ForAll int age,
      @ForAll boolean active) {
    User user = new User(id, name, email, age, active);
    assertThat(roundTrip(MessagePackMarshaller.of(User.class), user)).isEqualTo(user);
    assertThat(roundTrip(MessagePackMarshaller.of(User.class, MAP_SHAPE), user)).isEqualTo(user);
  }

  @Property
  void genericCollections(
      @ForAll List<String> strings, @ForAll Map<String, Integer> map, @ForAll long seed) {
    Page<String> page = new Page<>(strings, strings.size(), strings.stream().findFirst());
    TypeToken<Page<String>> token = new TypeToken<>() {};
    assertThat(roundTrip(MessagePackMarshaller.of(token), page)).isEqualTo(page);
    assertThat(roundTrip(MessagePackMarshaller.of(token, MAP_SHAPE), page)).isEqualTo(page);
    TypeToken<Map<String, Integer>> mapToken = new TypeToken<>() {};
    assertThat(roundTrip(MessagePackMarshaller.of(mapToken), map)).isEqualTo(map);
  }

  @Property(tries = 300)
  void everything(@ForAll("everything") Everything value) {
    assertThat(roundTrip(MessagePackMarshaller.of(Everything.class), value))
        .usingRecursiveComparison()
        .isEqualTo(value);
    assertThat(roundTrip(MessagePackMarshaller.of(Everything.class, MAP_SHAPE), value))
        .usingRecursiveComparison()
        .isEqualTo(value);
  }

  @Property(tries = 100)
  void recursiveTrees(@ForAll("trees") Node tree) {
    assertThat(roundTrip(MessagePackMarshaller.of(Node.class), tree)).isEqualTo(tree);
    assertThat(roundTrip(MessagePackMarshaller.of(Node.class, MAP_SHAPE), tree)).isEqualTo(tree);
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
  Arbitrary<Everything> everything() {
    return Arbitraries.randomValue(RoundTripPropertiesTest::everything);
  }

  /** A value with every field drawn at random, nulls included where the type allows them. */
  static Everything everything(Random r) {
    List<String> strings = new ArrayList<>();
    Set<Integer> ints = new LinkedHashSet<>();
    Map<String, Long> counts = new LinkedHashMap<>();
    List<User> users = new ArrayList<>();
    Map<Integer, List<Shape>> nested = new LinkedHashMap<>();
    for (int i = r.nextInt(5); i > 0; i--) {
      strings.add(r.nextBoolean() ? text(r) : null);
      ints.add(r.nextInt());
      counts.put(text(r), r.nextBoolean() ? r.nextLong() : null);
      users.add(
          new User(
              r.nextLong(),
              text(r),
              r.nextBoolean() ? null : text(r),
              r.nextInt(),
              r.nextBoolean()));
      nested.put(r.nextInt(), List.of(shape(r), shape(r)));
    }
    long[] longs = r.longs(r.nextInt(6)).toArray();
    String[] names = {text(r), null, text(r)};
    byte[] bytes = new byte[r.nextInt(40)];
    r.nextBytes(bytes);
    return new Everything(
        r.nextBoolean(),
        (byte) r.nextInt(),
        (short) r.nextInt(),
        (char) r.nextInt(Character.MAX_VALUE + 1),
        r.nextInt(),
        r.nextLong(),
        r.nextFloat() * r.nextInt(),
        r.nextDouble() * r.nextLong(),
        r.nextBoolean() ? null : r.nextBoolean(),
        r.nextBoolean() ? null : r.nextInt(),
        r.nextBoolean() ? null : r.nextLong(),
        r.nextBoolean() ? null : r.nextGaussian(),
        r.nextBoolean() ? null : text(r),
        r.nextBoolean() ? null : bytes,
        r.nextBoolean() ? null : Instant.ofEpochSecond(r.nextInt(), r.nextInt(1_000_000_000)),
        r.nextBoolean() ? null : Duration.ofSeconds(r.nextLong() / 2, r.nextInt(1_000_000_000)),
        r.nextBoolean() ? null : new UUID(r.nextLong(), r.nextLong()),
        r.nextBoolean() ? null : BigDecimal.valueOf(r.nextLong(), r.nextInt(40) - 20),
        r.nextBoolean() ? null : BigInteger.valueOf(r.nextLong()).shiftLeft(r.nextInt(100)),
        r.nextBoolean() ? null : Color.values()[r.nextInt(3)],
        r.nextBoolean() ? null : Level.values()[r.nextInt(2)],
        strings,
        Collections.unmodifiableSet(ints),
        counts,
        r.nextBoolean() ? Optional.empty() : Optional.of(text(r)),
        longs,
        names,
        users,
        r.nextBoolean() ? null : shape(r),
        nested);
  }

  private static Shape shape(Random r) {
    return r.nextBoolean() ? new Circle(r.nextDouble()) : new Square(r.nextLong());
  }

  private static String text(Random r) {
    StringBuilder s = new StringBuilder();
    for (int i = r.nextInt(12); i > 0; i--) {
      s.appendCodePoint(r.nextInt(4) == 0 ? 0x1F600 + r.nextInt(50) : 'a' + r.nextInt(26));
    }
    return s.toString();
  }
}
