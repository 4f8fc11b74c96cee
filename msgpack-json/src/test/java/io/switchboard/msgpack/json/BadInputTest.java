package io.switchboard.msgpack.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.msgpack.MessagePackMarshaller;
import io.switchboard.msgpack.json.JsonTestTypes.Containers;
import io.switchboard.msgpack.json.JsonTestTypes.Scalars;
import io.switchboard.msgpack.json.JsonTestTypes.User;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each bad input is rejected with INVALID_ARGUMENT and a description naming what and where. */
class BadInputTest {
  private static final String USER = "io.switchboard.msgpack.json.JsonTestTypes.User";
  private static final String SCALARS = "io.switchboard.msgpack.json.JsonTestTypes.Scalars";
  private static final String CONTAINERS = "io.switchboard.msgpack.json.JsonTestTypes.Containers";
  private static final JsonTranscoder USERS =
      JsonTranscoder.of(MessagePackMarshaller.of(User.class).schema());
  private static final JsonTranscoder ALL_SCALARS =
      JsonTranscoder.of(MessagePackMarshaller.of(Scalars.class).schema());
  private static final JsonTranscoder ALL_CONTAINERS =
      JsonTranscoder.of(MessagePackMarshaller.of(Containers.class).schema());

  static Stream<Arguments> badJson() {
    return Stream.of(
        Arguments.of(
            USERS,
            "",
            "cannot read JSON as "
                + USER
                + " at line 1, column 0: an empty document (expected: a "
                + USER
                + " (an object))"),
        Arguments.of(
            USERS,
            "{\"id\":1,",
            "cannot read JSON as "
                + USER
                + " at line 1, column 7: malformed JSON: Unexpected end-of-input within/between Object entries"),
        Arguments.of(
            USERS,
            "{\"id\":1}}",
            "cannot read JSON as "
                + USER
                + " at line 1, column 9: malformed JSON: Unexpected close marker '}': no open Object to close"),
        Arguments.of(
            USERS,
            "null",
            "cannot read JSON as "
                + USER
                + " at line 1, column 1: null (expected: a "
                + USER
                + " (an object))"),
        Arguments.of(
            USERS,
            "[1]",
            "cannot read JSON as "
                + USER
                + " at line 1, column 1: expected a "
                + USER
                + " (an object), got an array"),
        Arguments.of(
            USERS,
            "{} {}",
            "cannot read JSON as "
                + USER
                + " at line 1, column 4: more content after the value (expected: one JSON value)"),
        Arguments.of(
            USERS,
            "{\"id\":\"x1\"}",
            "cannot read JSON as " + USER + " at $.id (line 1, column 7): \"x1\" is not an int64"),
        Arguments.of(
            USERS,
            "{\"id\":1.5}",
            "cannot read JSON as "
                + USER
                + " at $.id (line 1, column 7): number 1.5 is not a whole number within an int64"),
        Arguments.of(
            USERS,
            "{\"id\":1e30}",
            "cannot read JSON as "
                + USER
                + " at $.id (line 1, column 7): number 1e30 out of range of an int64"),
        Arguments.of(
            USERS,
            "{\"id\":99999999999999999999}",
            "cannot read JSON as "
                + USER
                + " at $.id (line 1, column 7): integer 99999999999999999999 out of range of an int64"),
        Arguments.of(
            USERS,
            "{\"age\":2147483648}",
            "cannot read JSON as "
                + USER
                + " at $.age (line 1, column 8): integer 2147483648 out of range of an int32"),
        Arguments.of(
            USERS,
            "{\"name\":5}",
            "cannot read JSON as "
                + USER
                + " at $.name (line 1, column 9): expected a string, got an integer"),
        Arguments.of(
            USERS,
            "{\"active\":\"yes\"}",
            "cannot read JSON as "
                + USER
                + " at $.active (line 1, column 11): expected a boolean, got a string"),
        Arguments.of(
            USERS,
            "{\"nmae\":\"ann\"}",
            "cannot read JSON as "
                + USER
                + " at line 1, column 2: unknown field \"nmae\" of "
                + USER
                + " (expected: one of name, active, id, email, age)"),
        Arguments.of(
            USERS,
            "{\"id\":1,\"id\":2}",
            "cannot read JSON as "
                + USER
                + " at $.id (line 1, column 9): field \"id\" appears twice"),
        Arguments.of(
            ALL_SCALARS,
            "{\"b\":128}",
            "cannot read JSON as "
                + SCALARS
                + " at $.b (line 1, column 6): integer 128 out of range of an int8"),
        Arguments.of(
            ALL_SCALARS,
            "{\"c\":\"ab\"}",
            "cannot read JSON as "
                + SCALARS
                + " at $.c (line 1, column 6): a string of 2 chars (expected: a char, one UTF-16 unit)"),
        Arguments.of(
            ALL_SCALARS,
            "{\"d\":\"fast\"}",
            "cannot read JSON as "
                + SCALARS
                + " at $.d (line 1, column 6): \"fast\" is not a float64 (numbers, \"NaN\", \"Infinity\", \"-Infinity\")"),
        Arguments.of(
            ALL_SCALARS,
            "{\"bytes\":\"%%%\"}",
            "cannot read JSON as "
                + SCALARS
                + " at $.bytes (line 1, column 10): \"%%%\" is not base64: Illegal base64 character 25"),
        Arguments.of(
            ALL_SCALARS,
            "{\"instant\":\"yesterday\"}",
            "cannot read JSON as "
                + SCALARS
                + " at $.instant (line 1, column 12): \"yesterday\" is not an RFC 3339 timestamp, e.g. \"2024-05-01T12:00:00Z\""),
        Arguments.of(
            ALL_SCALARS,
            "{\"duration\":\"5m\"}",
            "cannot read JSON as "
                + SCALARS
                + " at $.duration (line 1, column 13): \"5m\" is not a duration (decimal seconds with an \"s\", e.g. \"1.5s\")"),
        Arguments.of(
            ALL_SCALARS,
            "{\"uuid\":\"1-2-3-4-5\"}",
            "cannot read JSON as "
                + SCALARS
                + " at $.uuid (line 1, column 9): \"1-2-3-4-5\" is not a UUID (expected: 8-4-4-4-12 hex digits)"),
        Arguments.of(
            ALL_SCALARS,
            "{\"decimal\":\"1.2.3\"}",
            "cannot read JSON as "
                + SCALARS
                + " at $.decimal (line 1, column 12): \"1.2.3\" is not a decimal (decimal string)"),
        Arguments.of(
            ALL_CONTAINERS,
            "{\"color\":\"PURPLE\"}",
            "cannot read JSON as "
                + CONTAINERS
                + " at $.color (line 1, column 10): \"PURPLE\" is not a constant of a io.switchboard.msgpack.json.JsonTestTypes.Color (one of RED, GREEN, BLUE)"),
        Arguments.of(
            ALL_CONTAINERS,
            "{\"strings\":[\"a\",2]}",
            "cannot read JSON as "
                + CONTAINERS
                + " at $.strings[1] (line 1, column 17): expected a string, got an integer"),
        Arguments.of(
            ALL_CONTAINERS,
            "{\"byNumber\":{\"x\":\"a\"}}",
            "cannot read JSON as "
                + CONTAINERS
                + " at $.byNumber[\"x\"] (line 1, column 14): key \"x\" is not an int32"),
        Arguments.of(
            ALL_CONTAINERS,
            "{\"shape\":{\"Triangle\":{}}}",
            "cannot read JSON as "
                + CONTAINERS
                + " at $.shape (line 1, column 11): \"Triangle\" is not a variant of io.switchboard.msgpack.json.JsonTestTypes.Shape (an object with one key: Circle, Square)"),
        Arguments.of(
            ALL_CONTAINERS,
            "{\"shape\":{\"Circle\":{\"radius\":1},\"Square\":{}}}",
            "cannot read JSON as "
                + CONTAINERS
                + " at $.shape (line 1, column 33): a second key after \"Circle\" (expected: one key, the variant)"),
        Arguments.of(
            ALL_CONTAINERS,
            "{\"users\":[{\"id\":1,\"age\":\"old\"}]}",
            "cannot read JSON as "
                + CONTAINERS
                + " at $.users[0].age (line 1, column 25): \"old\" is not an int32"));
  }

  @ParameterizedTest
  @MethodSource("badJson")
  void badJsonIsRejectedNamingTheProblemAndWhere(JsonTranscoder t, String json, String expected) {
    assertThatThrownBy(() -> t.toMessagePack(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).isEqualTo(expected);
            });
  }

  @Test
  void limitsAreNamed() {
    JsonTranscoder small =
        JsonTranscoder.of(
            MessagePackMarshaller.of(Containers.class).schema(),
            JsonSettings.newBuilder().maxJsonBytes(64).maxDepth(3).maxStringChars(8).build());
    assertThat(describe(small, "{\"strings\":[\"" + "x".repeat(100) + "\"]}"))
        .isEqualTo(
            "cannot read JSON as " + CONTAINERS + ": a body of 116 bytes exceeds maxJsonBytes 64");
    assertThat(describe(small, "{\"strings\":[\"123456789\"]}"))
        .isEqualTo(
            "cannot read JSON as "
                + CONTAINERS
                + " at $.strings[0] (line 1, column 13): a string longer than maxStringChars 8");
    assertThat(describe(small, "{\"nested\":{\"RED\":[{\"Circle\":{}}]}}"))
        .isEqualTo(
            "cannot read JSON as "
                + CONTAINERS
                + " at $.nested[\"RED\"][0] (line 1, column 19): nesting deeper than maxDepth 3");
  }

  @Test
  void badMessagePackIsRejectedNamingTheProblemAndWhere() {
    HexFormat hex = HexFormat.of();
    assertThat(describeBytes(USERS, hex.parseHex("95")))
        .isEqualTo(
            "cannot write JSON of "
                + USER
                + ": declared array of 5 elements cannot fit in the 0 bytes that remain");
    assertThat(describeBytes(USERS, hex.parseHex("92cd01")))
        .isEqualTo(
            "cannot write JSON of "
                + USER
                + " at $.id: truncated: the message ends inside a value");
    assertThat(describeBytes(USERS, hex.parseHex("9201a26e")))
        .isEqualTo(
            "cannot write JSON of "
                + USER
                + " at $.name: declared string length 2 exceeds the 1 bytes that remain");
    assertThat(describeBytes(USERS, hex.parseHex("9101c0")))
        .isEqualTo("cannot write JSON of " + USER + ": 1 extra bytes after the value");
    assertThat(describeBytes(USERS, hex.parseHex("c0")))
        .isEqualTo(
            "cannot write JSON of "
                + USER
                + ": the message is nil (expected: a "
                + USER
                + " (an object))");
    assertThat(describeBytes(USERS, hex.parseHex("91cb3ff8000000000000")))
        .isEqualTo(
            "cannot write JSON of "
                + USER
                + " at $.id: float 1.5 is not a whole number within an int64");
    // A nil primitive reads as its zero, as the Java reader reads it.
    assertThat(describeBytes(USERS, hex.parseHex("92c0a3616e6e")))
        .isEqualTo(
            "accepted as {\"id\":0,\"name\":\"ann\",\"email\":null,\"age\":0,\"active\":false}");
    // Unknown trailing elements are skipped, but within the depth limit.
    byte[] deep = new byte[77]; // [nil x5, [[[...70 levels...[nil]...]]]]
    deep[0] = (byte) 0x96;
    for (int i = 1; i < 6; i++) {
      deep[i] = (byte) 0xc0;
    }
    for (int i = 6; i < 76; i++) {
      deep[i] = (byte) 0x91;
    }
    deep[76] = (byte) 0xc0;
    assertThat(describeBytes(USERS, deep))
        .isEqualTo("cannot write JSON of " + USER + " at $[5]: nesting deeper than maxDepth 64");
  }

  private static String describe(JsonTranscoder t, String json) {
    try {
      t.toMessagePack(json.getBytes(StandardCharsets.UTF_8));
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      return e.getStatus().getDescription();
    }
    throw new AssertionError("accepted: " + json);
  }

  private static String describeBytes(JsonTranscoder t, byte[] bytes) {
    try {
      String json = new String(t.toJson(bytes), StandardCharsets.UTF_8);
      return "accepted as " + json;
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      return e.getStatus().getDescription();
    }
  }
}
