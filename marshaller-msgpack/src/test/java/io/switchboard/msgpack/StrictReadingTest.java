package io.switchboard.msgpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.msgpack.TestTypes.Level;
import io.switchboard.msgpack.TestTypes.MapUser;
import io.switchboard.msgpack.TestTypes.User;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The reader as WIRE-FORMAT.md describes it, type by type: strict where the document is (str is not
 * bin, bin is not str, a timestamp is extension -1), friendly where it says so (an exact whole
 * float where an integer is expected), with limits on skipped values too and descriptions in plain
 * words; and the per-message budget of values.
 */
class StrictReadingTest {
  record Ints(byte b, short s, char c, int i, long l, Integer boxed, Level level) {}

  record Bytes(byte[] data) {}

  record Id(UUID id) {}

  record Text(String text) {}

  record Amount(BigDecimal value) {}

  record When(Instant at) {}

  record One(int x) {}

  record Real(double x) {}

  record Numbers(List<List<Integer>> lists) {}

  private static <T> T decode(MessagePackMarshaller<T> m, String hex) {
    return m.decode(HexFormat.of().parseHex(hex));
  }

  private static Status rejected(MessagePackMarshaller<?> m, String hex) {
    try {
      decode(m, hex);
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
    throw new AssertionError("expected " + hex + " to be rejected");
  }

  @Test
  void exactWholeFloatsReadAsIntegers() {
    // [2.0 (float64), 300.0 (float32), 65.0, -7.0, 2^53 (float64), 5.0, 20.0] for Ints.
    String hex =
        "97"
            + "cb4000000000000000" // b = 2.0
            + "ca43960000" // s = 300.0f
            + "cb4050400000000000" // c = 65.0 ('A')
            + "cbc01c000000000000" // i = -7.0
            + "cb4340000000000000" // l = 2^53
            + "ca40a00000" // boxed = 5.0f
            + "cb4034000000000000"; // level = 20.0 (HIGH)
    Ints ints = decode(MessagePackMarshaller.of(Ints.class), hex);
    assertThat(ints).isEqualTo(new Ints((byte) 2, (short) 300, 'A', -7, 1L << 53, 5, Level.HIGH));
  }

  @Test
  void floatsThatAreNotExactIntegersInRangeAreRejected() {
    MessagePackMarshaller<One> one = MessagePackMarshaller.of(One.class);
    Status fraction = rejected(one, "91cb3ff8000000000000"); // 1.5
    assertThat(fraction.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(fraction.getDescription())
        .endsWith("field One.x at x: float 1.5 is not a whole number (expected: an int)");
    Status big = rejected(one, "91cb41e0000000000000"); // 2^31
    assertThat(big.getDescription()).endsWith("integer 2.147483648E9 out of range of an int");
    Status nan = rejected(one, "91cb7ff8000000000000");
    assertThat(nan.getDescription()).contains("float NaN is not a whole number");
    Status longRange =
        rejected(MessagePackMarshaller.of(Ints.class), "95c0c0c0c0cb43e0000000000000"); // 2^63
    assertThat(longRange.getDescription())
        .endsWith("integer 9.223372036854776E18 out of range of a long");
  }

  @Test
  void strIsNotBinAndBinIsNotStr() {
    Status strForBytes = rejected(MessagePackMarshaller.of(Bytes.class), "91a3616263");
    assertThat(strForBytes.getDescription())
        .endsWith(
            "field Bytes.data at data: wrong type: expected a binary (bin), got a string (str)");
    Status strForUuid = rejected(MessagePackMarshaller.of(Id.class), "91b0" + "00".repeat(16));
    assertThat(strForUuid.getDescription()).contains("expected a binary (bin), got a string (str)");
    Status binForText = rejected(MessagePackMarshaller.of(Text.class), "91c403616263");
    assertThat(binForText.getDescription())
        .endsWith("wrong type: expected a string (str), got a binary (bin) (format byte 0xc4)");
    Status binForDecimal = rejected(MessagePackMarshaller.of(Amount.class), "91c40131");
    assertThat(binForDecimal.getDescription()).contains("expected a string (str), got a binary");
  }

  @Test
  void aTimestampIsExtensionTypeMinusOne() {
    Status other = rejected(MessagePackMarshaller.of(When.class), "91d60500000001");
    assertThat(other.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(other.getDescription())
        .endsWith("expected a timestamp (extension type -1), got extension type 5");
    assertThat(decode(MessagePackMarshaller.of(When.class), "91d6ff00000001").at())
        .isEqualTo(Instant.ofEpochSecond(1));
  }

  @Test
  void descriptionsNeverNameMsgpackCoreClasses() {
    Status neverUsed = rejected(MessagePackMarshaller.of(One.class), "91c1");
    assertThat(neverUsed.getDescription())
        .endsWith("field One.x at x: the byte 0xc1, which MessagePack never uses")
        .doesNotContain("Exception")
        .doesNotContain("NEVER_USED");
    Status neverUsedForADouble = rejected(MessagePackMarshaller.of(Real.class), "91c1");
    assertThat(neverUsedForADouble.getDescription())
        .endsWith("field Real.x at x: the byte 0xc1, which MessagePack never uses");
    Status wrong = rejected(MessagePackMarshaller.of(User.class), "950105a0002a");
    assertThat(wrong.getDescription())
        .isEqualTo(
            "cannot decode io.switchboard.msgpack.TestTypes$User: field User.name at name:"
                + " wrong type: expected a string (str), got an integer (format byte 0x05)");
  }

  @Test
  void theDepthLimitAppliesToSkippedValues() {
    MessagePackSettings shallow = MessagePackSettings.newBuilder().maxDepth(3).build();
    MessagePackMarshaller<One> one = MessagePackMarshaller.of(One.class, shallow);
    // [1, [[]]]: the record is level 1, the skipped arrays levels 2 and 3.
    assertThat(decode(one, "920191" + "90")).isEqualTo(new One(1));
    assertThat(decode(one, "92019190")).isEqualTo(new One(1));
    // [1, [[[]]]]: a skipped array at level 4.
    Status deep = rejected(one, "9201919190");
    assertThat(deep.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(deep.getDescription()).contains("at [1]").endsWith("nesting deeper than maxDepth 3");
    // In the map shape, an unknown key's value is skipped under the same limit.
    MessagePackMarshaller<MapUser> users = MessagePackMarshaller.of(MapUser.class, shallow);
    Status mapDeep = rejected(users, "81a178" + "919190");
    assertThat(mapDeep.getDescription()).endsWith("nesting deeper than maxDepth 3");
  }

  @Test
  void collectionLimitsApplyToSkippedValues() {
    MessagePackSettings small = MessagePackSettings.newBuilder().maxCollectionSize(2).build();
    // [1, [0, 0, 0]]: the skipped array declares 3 elements.
    Status r = rejected(MessagePackMarshaller.of(One.class, small), "920193000000");
    assertThat(r.getDescription()).endsWith("array of 3 elements exceeds maxCollectionSize 2");
  }

  @Test
  void aMessageOverItsBudgetOfValuesIsResourceExhausted() {
    MessagePackSettings budget = MessagePackSettings.newBuilder().maxElementsPerMessage(10).build();
    MessagePackMarshaller<Numbers> numbers = MessagePackMarshaller.of(Numbers.class, budget);
    // [[[0 x 4], [0 x 4]]]: 1 + 2 + 4 + 4 = 11 values.
    Status over = rejected(numbers, "91" + "92" + "9400000000" + "9400000000");
    assertThat(over.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(over.getDescription())
        .startsWith("cannot decode io.switchboard.msgpack.StrictReadingTest$Numbers")
        .endsWith("more than 10 values in one message exceeds maxElementsPerMessage 10");
    // 1 + 2 + 4 + 3 = 10: within.
    assertThat(decode(numbers, "91" + "92" + "9400000000" + "93000000").lists())
        .containsExactly(List.of(0, 0, 0, 0), List.of(0, 0, 0));
    // Skipped values count too: [1, [0 x 10]] for One.
    MessagePackMarshaller<One> one = MessagePackMarshaller.of(One.class, budget);
    assertThat(rejected(one, "9201" + "9a" + "00".repeat(10)).getCode())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
  }

  @Test
  void budgetSetting() {
    assertThat(MessagePackSettings.defaults().maxElementsPerMessage())
        .isEqualTo(MessagePackSettings.DEFAULT_MAX_ELEMENTS_PER_MESSAGE)
        .isEqualTo(2 * MessagePackSettings.DEFAULT_MAX_COLLECTION_SIZE);
    assertThat(
            MessagePackSettings.newBuilder().maxElementsPerMessage(5).build().toBuilder()
                .build()
                .maxElementsPerMessage())
        .isEqualTo(5);
    assertThatThrownBy(() -> MessagePackSettings.newBuilder().maxElementsPerMessage(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxElementsPerMessage: 0 (expected: > 0)");
  }
}
