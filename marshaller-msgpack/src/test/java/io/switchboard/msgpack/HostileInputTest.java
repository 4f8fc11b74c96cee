package io.switchboard.msgpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.msgpack.TestTypes.Everything;
import io.switchboard.msgpack.TestTypes.Node;
import io.switchboard.msgpack.TestTypes.User;
import java.util.HexFormat;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** Each kind of bad input gets INVALID_ARGUMENT naming the type, the field and the problem. */
class HostileInputTest {
  private static final MessagePackMarshaller<User> USERS = MessagePackMarshaller.of(User.class);

  private static AbstractThrowableAssert<?, ? extends Throwable> assertRejected(
      MessagePackMarshaller<?> marshaller, String hex, String... descriptionParts) {
    return assertThatThrownBy(() -> marshaller.decode(HexFormat.of().parseHex(hex)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains(descriptionParts);
            });
  }

  @Test
  void truncatedMessage() {
    // [1, "", "", 0xcd 01..: age cut inside its uint16.
    assertRejected(USERS, "9501a0a0cd01", "field User.age", "truncated");
  }

  @Test
  void emptyMessage() {
    assertRejected(USERS, "", "truncated");
  }

  @Test
  void wrongTypeNamesTheField() {
    // [1, 5, ...]: an integer where the name (str) belongs.
    assertRejected(USERS, "950105a0002a", "field User.name", "wrong type");
  }

  @Test
  void integerOutOfRangeForTheField() {
    // age (int) given as uint64 max.
    assertRejected(USERS, "9501a0a0cfffffffffffffffffc3", "User.age", "out of range");
  }

  @Test
  void extraBytesAfterTheValue() {
    assertRejected(USERS, "9501a0a02ac3c0c0", "2 extra bytes after the value");
  }

  @Test
  void nilMessage() {
    assertRejected(USERS, "c0", "the message is nil");
  }

  @Test
  void declaredStringLongerThanTheRest() {
    // str32 declaring 256 bytes, followed by three.
    assertRejected(USERS, "9501db00000100616263", "User.name", "exceeds the 3 bytes that remain");
    // str32 declaring 2^31-1 bytes: over the string limit before anything else.
    assertRejected(USERS, "9501db7fffffff616263", "User.name", "exceeds maxStringBytes");
    // str32 declaring 2^32-1 bytes.
    assertRejected(USERS, "9501dbffffffff616263", "User.name", "declared length 4294967295");
  }

  @Test
  void declaredArrayLongerThanTheRest() {
    // The user itself declared as an array32 of 65536 elements.
    assertRejected(USERS, "dd0001000001", "in User", "cannot fit in the 1 bytes that remain");
    assertRejected(USERS, "dd7fffffff01", "in User", "exceeds maxCollectionSize 1048576");
  }

  @Test
  void declaredBinaryLongerThanTheRest() {
    MessagePackMarshaller<byte[]> bytes = MessagePackMarshaller.of(byte[].class);
    assertRejected(bytes, "c6000100000001", "declared binary length", "bytes that remain");
  }

  @Test
  void declaredMapLongerThanTheRest() {
    MessagePackMarshaller<TestTypes.MapUser> map =
        MessagePackMarshaller.of(TestTypes.MapUser.class);
    assertRejected(map, "df0000ffff01", "MapUser", "cannot fit");
  }

  @Test
  void nestingDeeperThanTheLimit() {
    MessagePackMarshaller<Node> nodes = MessagePackMarshaller.of(Node.class);
    // Node = [name, [children...]]: each level adds a node array and a children list.
    StringBuilder hex = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      hex.append("92a0").append("91");
    }
    hex.append("92a090");
    assertRejected(nodes, hex.toString(), "nesting deeper than maxDepth 64", "Node.children");
  }

  @Test
  void limitsFromTheSettings() {
    MessagePackSettings small = MessagePackSettings.newBuilder().maxMessageBytes(64).build();
    MessagePackMarshaller<User> users =
        MessagePackMarshaller.of(User.class, small.toBuilder().maxStringBytes(4).build());
    assertRejected(users, "9501a56162636465a02ac3", "User.name", "maxStringBytes 4");
    users = MessagePackMarshaller.of(User.class, small.toBuilder().maxCollectionSize(2).build());
    assertRejected(users, "95", "array of 5 elements exceeds maxCollectionSize 2");
    users = MessagePackMarshaller.of(User.class, small);
    assertRejected(users, "00".repeat(65), "message of 65 bytes exceeds maxMessageBytes 64");
  }

  @Test
  void unknownTypeIndexOfASealedType() {
    MessagePackMarshaller<TestTypes.Shape> shapes = MessagePackMarshaller.of(TestTypes.Shape.class);
    assertRejected(shapes, "920701", "Shape", "unknown type index 7");
  }

  @Test
  void constructorRejectionIsReported() {
    MessagePackMarshaller<Positive> positives = MessagePackMarshaller.of(Positive.class);
    assertRejected(positives, "91ff", "in Positive", "constructor rejected", "value: -1");
  }

  record Positive(int value) {
    Positive {
      if (value <= 0) {
        throw new IllegalArgumentException("value: " + value + " (expected: > 0)");
      }
    }
  }

  @Test
  void aHugeConstructorMessageIsCutToTheDescriptionLimit() {
    MessagePackMarshaller<Loud> louds = MessagePackMarshaller.of(Loud.class);
    assertThatThrownBy(() -> louds.decode(HexFormat.of().parseHex("91a178")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              String description = e.getStatus().getDescription();
              assertThat(description)
                  .hasSize(io.switchboard.core.ErrorMapper.MAX_DESCRIPTION_LENGTH)
                  .startsWith("cannot decode " + Loud.class.getTypeName() + ": in Loud: ")
                  .contains("constructor rejected")
                  .endsWith("xxx...");
            });
  }

  record Loud(String value) {
    Loud {
      throw new IllegalArgumentException("x".repeat(100 * 1024));
    }
  }

  @Test
  void anUnknownEnumIndexAtTheTopLevelIsRejected() {
    MessagePackMarshaller<TestTypes.Color> colors = MessagePackMarshaller.of(TestTypes.Color.class);
    assertRejected(colors, "09", "the message is null");
    assertRejected(colors, "a450494e4b", "the message is null");
    assertThat(colors.decode(HexFormat.of().parseHex("02"))).isEqualTo(TestTypes.Color.BLUE);
  }

  @Test
  void errorsNameThePathIntoNestedValues() {
    MessagePackMarshaller<Everything> everything = MessagePackMarshaller.of(Everything.class);
    byte[] good = everything.encode(RoundTripPropertiesTest.everything(new java.util.Random(1)));
    // Truncate inside the list of users near the end: the path names where decoding stopped.
    byte[] cut = java.util.Arrays.copyOf(good, good.length - 3);
    assertThatThrownBy(() -> everything.decode(cut))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo(
                      "cannot decode "
                          + Everything.class.getTypeName()
                          + ": field Everything.users at users: truncated: the message ends"
                          + " inside a value");
            });
    // [ "t", [ a good user, a user whose name is an integer ] ]
    MessagePackMarshaller<Team> teams = MessagePackMarshaller.of(Team.class);
    assertRejected(
        teams,
        "92a174929501a0a02ac3950105a0002a",
        "cannot decode "
            + Team.class.getTypeName()
            + ": field User.name at users[1].name: wrong type: ");
  }

  record Team(String name, List<User> users) {}

  @Test
  void encodingACycleFailsWithInternal() {
    MessagePackMarshaller<Cell> cells = MessagePackMarshaller.of(Cell.class);
    Cell cell = new Cell();
    cell.next = cell;
    assertThatThrownBy(() -> cells.encode(cell))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(e.getStatus().getDescription())
                  .contains("cannot encode", "Cell.next", "nesting deeper than maxDepth");
            });
    // The thread's buffer is usable again after the failure.
    assertThat(USERS.decode(USERS.encode(new User(1, "a", "b", 2, true))))
        .isEqualTo(new User(1, "a", "b", 2, true));
  }

  static final class Cell {
    @MessagePackIndex(0)
    Cell next;
  }

  @Test
  void unsupportedTypesFailWhenTheMarshallerIsMade() {
    assertThatThrownBy(() -> MessagePackMarshaller.of(Holder.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Holder.value")
        .hasMessageContaining("java.lang.Object")
        .hasMessageContaining("CodecRegistry");
    assertThatThrownBy(() -> MessagePackMarshaller.of(RawList.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("raw type");
  }

  record Holder(Object value) {}

  @SuppressWarnings("rawtypes")
  record RawList(List values) {}
}
