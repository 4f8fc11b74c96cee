package io.switchboard.msgpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.msgpack.TestTypes.Circle;
import io.switchboard.msgpack.TestTypes.Color;
import io.switchboard.msgpack.TestTypes.Level;
import io.switchboard.msgpack.TestTypes.Shape;
import io.switchboard.msgpack.TestTypes.Square;
import io.switchboard.msgpack.TestTypes.User;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * The cross-language check: byte fixtures written by hand from WIRE-FORMAT.md (not produced by this
 * code) decode to the expected values and encode to the same bytes.
 */
class GoldenBytesTest {
  private static final MessagePackSettings MAP_SHAPE =
      MessagePackSettings.newBuilder().defaultShape(WireShape.MAP).build();

  private static <T> void assertGolden(MessagePackMarshaller<T> marshaller, String hex, T value) {
    byte[] bytes = HexFormat.of().parseHex(hex.replace(" ", ""));
    assertThat(marshaller.decode(bytes)).usingRecursiveComparison().isEqualTo(value);
    assertThat(HexFormat.of().formatHex(marshaller.encode(value)))
        .isEqualTo(HexFormat.of().formatHex(bytes));
  }

  private static <T> void assertGolden(Class<T> type, String hex, T value) {
    assertGolden(MessagePackMarshaller.of(type), hex, value);
  }

  private static final User ANN = new User(1, "ann", "ann@example.com", 42, true);

  @Test
  void userInTheArrayShape() {
    assertGolden(User.class, "95 01 a3616e6e af616e6e406578616d706c652e636f6d 2a c3", ANN);
  }

  @Test
  void userInTheMapShape() {
    assertGolden(
        MessagePackMarshaller.of(User.class, MAP_SHAPE),
        "85 a26964 01 a46e616d65 a3616e6e a5656d61696c af616e6e406578616d706c652e636f6d"
            + " a3616765 2a a6616374697665 c3",
        ANN);
  }

  @Test
  void mapShapeByAnnotation() {
    assertGolden(
        TestTypes.MapUser.class, "82 a26964 07 a46e616d65 c0", new TestTypes.MapUser(7, null));
  }

  @Test
  void integersUseTheSmallestFormat() {
    assertGolden(Long.class, "00", 0L);
    assertGolden(Long.class, "7f", 127L);
    assertGolden(Long.class, "cc80", 128L);
    assertGolden(Long.class, "cd012c", 300L);
    assertGolden(Long.class, "cf0000000100000000", 1L << 32);
    assertGolden(Long.class, "ff", -1L);
    assertGolden(Long.class, "e0", -32L);
    assertGolden(Long.class, "d0df", -33L);
    assertGolden(Integer.class, "d2 80000000", Integer.MIN_VALUE);
  }

  @Test
  void floatingPoint() {
    assertGolden(Double.class, "cb 3ff8000000000000", 1.5);
    assertGolden(Float.class, "ca 3fc00000", 1.5f);
    // A double field also reads an integer, as JavaScript writes 2.0.
    assertThat(MessagePackMarshaller.of(Double.class).decode(new byte[] {2})).isEqualTo(2.0);
  }

  @Test
  void textBytesAndNil() {
    assertGolden(String.class, "a0", "");
    assertGolden(String.class, "a3 e282ac 00".replace(" 00", ""), "\u20ac");
    assertGolden(byte[].class, "c402 0102", new byte[] {1, 2});
    assertGolden(Boolean.class, "c2", false);
  }

  @Test
  void valueTypes() {
    assertGolden(Instant.class, "d6ff 00000001", Instant.ofEpochSecond(1));
    assertGolden(Instant.class, "d7ff 000007d0 00000001", Instant.ofEpochSecond(1, 500));
    assertGolden(Duration.class, "92 5a 05", Duration.ofSeconds(90, 5));
    assertGolden(
        UUID.class,
        "c410 00112233445566778899aabbccddeeff",
        UUID.fromString("00112233-4455-6677-8899-aabbccddeeff"));
    assertGolden(BigDecimal.class, "a5 31322e3530", new BigDecimal("12.50"));
  }

  @Test
  void enums() {
    assertGolden(Color.class, "02", Color.BLUE);
    assertGolden(Level.class, "14", Level.HIGH);
    // A constant's name is read too; an unknown index reads as null inside a record.
    assertThat(MessagePackMarshaller.of(Color.class).decode(HexFormat.of().parseHex("a3524544")))
        .isEqualTo(Color.RED);
    assertThat(MessagePackMarshaller.of(Paint.class).decode(HexFormat.of().parseHex("9109")))
        .isEqualTo(new Paint(null));
  }

  record Paint(Color color) {}

  @Test
  void containers() {
    assertGolden(
        MessagePackMarshaller.of(new TypeToken<List<String>>() {}),
        "92 a161 c0",
        Arrays.asList("a", null));
    assertGolden(
        MessagePackMarshaller.of(new TypeToken<Map<String, Long>>() {}),
        "81 a16b ff",
        Map.of("k", -1L));
    assertGolden(
        MessagePackMarshaller.of(new TypeToken<Optional<String>>() {}), "a178", Optional.of("x"));
    assertGolden(MessagePackMarshaller.of(long[].class), "93 01 02 03", new long[] {1, 2, 3});
  }

  record Arrays3(int[] ints, long[] longs, double[] doubles) {}

  /** Writes with a codec, as the marshaller does at the top level. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static byte[] write(Codec codec, Object value) throws IOException {
    MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();
    codec.write(packer, value, MessagePackSettings.DEFAULT_MAX_DEPTH);
    packer.flush();
    return packer.toByteArray();
  }

  private static Object read(Codec<?> codec, byte[] bytes) throws IOException {
    MessagePackReader reader =
        new MessagePackReader(
            MessagePack.newDefaultUnpacker(bytes), bytes.length, MessagePackSettings.defaults());
    return codec.readNullable(reader);
  }

  @Test
  void primitiveArrayCodecsMatchTheGenericArrayCodec() throws IOException {
    Random random = new Random(7);
    Codec<Object> ints =
        new ContainerCodecs.ArrayCodec(int.class, (Codec) ScalarCodecs.find(int.class));
    Codec<Object> longs =
        new ContainerCodecs.ArrayCodec(long.class, (Codec) ScalarCodecs.find(long.class));
    Codec<Object> doubles =
        new ContainerCodecs.ArrayCodec(double.class, (Codec) ScalarCodecs.find(double.class));
    for (int t = 0; t < 500; t++) {
      int n = random.nextInt(20);
      int[] i = new int[n];
      long[] l = new long[n];
      double[] d = new double[n];
      for (int k = 0; k < n; k++) {
        int bits = random.nextInt(64);
        l[k] = random.nextLong() >> bits;
        i[k] = (int) l[k];
        d[k] = random.nextBoolean() ? Double.longBitsToDouble(random.nextLong()) : l[k];
      }
      byte[] iBytes = write(new ContainerCodecs.IntArrayCodec(), i);
      byte[] lBytes = write(new ContainerCodecs.LongArrayCodec(), l);
      byte[] dBytes = write(new ContainerCodecs.DoubleArrayCodec(), d);
      assertThat(iBytes).isEqualTo(write(ints, i));
      assertThat(lBytes).isEqualTo(write(longs, l));
      assertThat(dBytes).isEqualTo(write(doubles, d));
      assertThat(read(new ContainerCodecs.IntArrayCodec(), iBytes)).isEqualTo(i);
      assertThat(read(new ContainerCodecs.LongArrayCodec(), lBytes)).isEqualTo(l);
      assertThat(read(new ContainerCodecs.DoubleArrayCodec(), dBytes)).isEqualTo(d);
      // Longs read into int[] and double[], as the generic codec reads them.
      for (Codec<?> primitive :
          List.<Codec<?>>of(
              new ContainerCodecs.IntArrayCodec(), new ContainerCodecs.DoubleArrayCodec())) {
        Codec<?> generic = primitive instanceof ContainerCodecs.IntArrayCodec ? ints : doubles;
        Object expected;
        try {
          expected = read(generic, lBytes);
        } catch (RuntimeException | IOException e) {
          expected = e.getClass();
        }
        Object actual;
        try {
          actual = read(primitive, lBytes);
        } catch (RuntimeException | IOException e) {
          actual = e.getClass();
        }
        assertThat(actual).isEqualTo(expected);
      }
    }
  }

  @Test
  void primitiveArrays() {
    // Each element in the same format as a field of its type: the smallest integer, float64.
    assertGolden(
        MessagePackMarshaller.of(int[].class),
        "95 00 ff cd0100 d280000000 ce7fffffff",
        new int[] {0, -1, 256, Integer.MIN_VALUE, Integer.MAX_VALUE});
    assertGolden(
        MessagePackMarshaller.of(long[].class),
        "94 7f d3 8000000000000000 cf 7fffffffffffffff d0 80",
        new long[] {127, Long.MIN_VALUE, Long.MAX_VALUE, -128});
    assertGolden(
        MessagePackMarshaller.of(double[].class),
        "92 cb 3fe0000000000000 cb bff0000000000000",
        new double[] {0.5, -1});
    assertGolden(MessagePackMarshaller.of(int[].class), "90", new int[0]);
    // The same bytes as the generic array codec writes for the boxed type.
    assertGolden(MessagePackMarshaller.of(Integer[].class), "92 00 ff", new Integer[] {0, -1});
    // A nil element reads as 0; a double[] element also accepts an integer.
    assertThat(MessagePackMarshaller.of(int[].class).decode(HexFormat.of().parseHex("92c005")))
        .containsExactly(0, 5);
    assertThat(MessagePackMarshaller.of(long[].class).decode(HexFormat.of().parseHex("92c005")))
        .containsExactly(0L, 5L);
    assertThat(MessagePackMarshaller.of(double[].class).decode(HexFormat.of().parseHex("92c005")))
        .containsExactly(0d, 5d);
    // In a record, nil reads as null; a bad element is named by its position.
    assertGolden(
        Arrays3.class,
        "93 91 01 c0 92 cb 3ff0000000000000 cb 4000000000000000",
        new Arrays3(new int[] {1}, null, new double[] {1, 2}));
    assertThatThrownBy(
            () ->
                MessagePackMarshaller.of(Arrays3.class)
                    .decode(HexFormat.of().parseHex("939201a178c0c0")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .contains("field Arrays3.ints at ints[1]: wrong type");
            });
    // nil reads as an empty collection at the top level and in fields.
    assertThat(
            MessagePackMarshaller.of(new TypeToken<List<String>>() {})
                .decode(new byte[] {(byte) 0xc0}))
        .isEmpty();
    // [nil, nil, nil, nil]: each field reads as its type's default.
    assertThat(
            MessagePackMarshaller.of(Defaults.class).decode(HexFormat.of().parseHex("94c0c0c0c0")))
        .isEqualTo(new Defaults(List.of(), Map.of(), Optional.empty(), 0));
  }

  record Defaults(List<String> list, Map<String, Long> map, Optional<String> maybe, int count) {}

  @Test
  void sealedTypes() {
    assertGolden(Shape.class, "92 01 91 03", new Square(3));
    assertGolden(Shape.class, "92 00 91 cb3fe0000000000000", new Circle(0.5));
  }

  record WithGap(@MessagePackIndex(0) long id, @MessagePackIndex(2) String name) {}

  @Test
  void aRemovedIndexIsWrittenAsNil() {
    assertGolden(WithGap.class, "93 01 c0 a178", new WithGap(1, "x"));
  }
}
