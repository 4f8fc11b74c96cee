package io.switchboard.msgpack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Old and new versions of a message read each other, in both shapes. */
class EvolutionTest {
  /** Version 1. */
  record UserV1(long id, String name) {}

  /** Version 2: fields appended. */
  record UserV2(long id, String name, String email, int age, List<String> tags) {}

  /** Version 3: {@code name} removed, its index never reused. */
  record UserV3(
      @MessagePackIndex(0) long id,
      @MessagePackIndex(2) String email,
      @MessagePackIndex(3) int age,
      @MessagePackIndex(4) List<String> tags,
      @MessagePackIndex(5) boolean admin) {}

  private static <A, B> B convert(Class<A> from, A value, Class<B> to, WireShape shape) {
    MessagePackSettings settings = MessagePackSettings.newBuilder().defaultShape(shape).build();
    return MessagePackMarshaller.of(to, settings)
        .decode(MessagePackMarshaller.of(from, settings).encode(value));
  }

  @ParameterizedTest
  @EnumSource(WireShape.class)
  void oldWriterNewReaderDefaultsTheNewFields(WireShape shape) {
    assertThat(convert(UserV1.class, new UserV1(7, "ann"), UserV2.class, shape))
        .isEqualTo(new UserV2(7, "ann", null, 0, List.of()));
  }

  @ParameterizedTest
  @EnumSource(WireShape.class)
  void newWriterOldReaderSkipsTheNewFields(WireShape shape) {
    UserV2 v2 = new UserV2(7, "ann", "a@example.com", 30, List.of("x", "y"));
    assertThat(convert(UserV2.class, v2, UserV1.class, shape)).isEqualTo(new UserV1(7, "ann"));
  }

  @ParameterizedTest
  @EnumSource(WireShape.class)
  void removedFieldReadsAsDefaultAndAddedOneIsSkipped(WireShape shape) {
    UserV3 v3 = new UserV3(7, "a@example.com", 30, List.of("x"), true);
    assertThat(convert(UserV3.class, v3, UserV2.class, shape))
        .isEqualTo(new UserV2(7, null, "a@example.com", 30, List.of("x")));
    UserV2 v2 = new UserV2(7, "ann", "a@example.com", 30, List.of("x"));
    assertThat(convert(UserV2.class, v2, UserV3.class, shape))
        .isEqualTo(new UserV3(7, "a@example.com", 30, List.of("x"), false));
  }
}
