package io.switchboard.msgpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * The typed getters and the constructing handles: every primitive kind through spun record getters,
 * through method-handle getters (the path when a record's package is not open to us) and through
 * class fields, with setters and with an all-args constructor.
 */
class GettersTest {
  record Primitives(
      boolean z, byte b, short s, char c, int i, long l, float f, double d, String text) {}

  static final Primitives VALUE =
      new Primitives(true, (byte) -7, (short) 300, 'é', -70_000, 1L << 40, 1.5f, -2.25, "ann");

  /** Every primitive kind in a class with a no-arg constructor: decoded through setters. */
  static final class Settable {
    @MessagePackIndex(0)
    boolean z;

    @MessagePackIndex(1)
    byte b;

    @MessagePackIndex(2)
    char c;

    @MessagePackIndex(3)
    int i;

    @MessagePackIndex(4)
    long l;

    @MessagePackIndex(5)
    float f;

    @MessagePackIndex(6)
    double d;

    @MessagePackIndex(7)
    String text;

    @MessagePackIndex(8)
    List<Integer> list;
  }

  /** Every primitive kind in a class with final fields: decoded through its constructor. */
  static final class Final {
    @MessagePackIndex(0)
    final boolean z;

    @MessagePackIndex(1)
    final List<Integer> list;

    @MessagePackIndex(2)
    final short s;

    @MessagePackIndex(3)
    final int i;

    @MessagePackIndex(4)
    final long l;

    @MessagePackIndex(5)
    final float f;

    @MessagePackIndex(6)
    final double d;

    Final(boolean z, List<Integer> list, short s, int i, long l, float f, double d) {
      this.z = z;
      this.list = list;
      this.s = s;
      this.i = i;
      this.l = l;
      this.f = f;
      this.d = d;
    }
  }

  @Test
  void recordGettersAreSpunOncePerRecordClass() {
    for (int i = 0; i < Primitives.class.getRecordComponents().length; i++) {
      Object getter = Getters.ofComponent(Primitives.class, i);
      assertThat(getter.getClass().isHidden()).as("component %s spun", i).isTrue();
      assertThat(Getters.ofComponent(Primitives.class, i)).isSameAs(getter);
    }
    assertThat(Getters.ofComponent(Primitives.class, 0)).isInstanceOf(Predicate.class);
    assertThat(Getters.ofComponent(Primitives.class, 1)).isInstanceOf(Function.class);
    assertThat(Getters.ofComponent(Primitives.class, 4)).isInstanceOf(ToIntFunction.class);
    assertThat(Getters.ofComponent(Primitives.class, 5)).isInstanceOf(ToLongFunction.class);
    assertThat(Getters.ofComponent(Primitives.class, 6)).isInstanceOf(ToDoubleFunction.class);
  }

  @Test
  @SuppressWarnings("unchecked")
  void methodHandleGettersReadEveryKind() throws Exception {
    MethodHandles.Lookup lookup = MethodHandles.lookup();
    Object[] getters = new Object[Primitives.class.getRecordComponents().length];
    for (int i = 0; i < getters.length; i++) {
      var c = Primitives.class.getRecordComponents()[i];
      getters[i] = Getters.ofHandle(lookup.unreflect(c.getAccessor()), c.getType());
    }
    assertThat(((Predicate<Object>) getters[0]).test(VALUE)).isTrue();
    assertThat(((Function<Object, Object>) getters[1]).apply(VALUE)).isEqualTo((byte) -7);
    assertThat(((Function<Object, Object>) getters[3]).apply(VALUE)).isEqualTo('é');
    assertThat(((ToIntFunction<Object>) getters[4]).applyAsInt(VALUE)).isEqualTo(-70_000);
    assertThat(((ToLongFunction<Object>) getters[5]).applyAsLong(VALUE)).isEqualTo(1L << 40);
    assertThat(((ToDoubleFunction<Object>) getters[6]).applyAsDouble(VALUE)).isEqualTo(1.5);
    assertThat(((ToDoubleFunction<Object>) getters[7]).applyAsDouble(VALUE)).isEqualTo(-2.25);
    assertThat(((Function<Object, Object>) getters[8]).apply(VALUE)).isEqualTo("ann");
  }

  static Object throwsChecked(Object ignored) throws Exception {
    throw new Exception("checked");
  }

  @Test
  @SuppressWarnings("unchecked")
  void methodHandleGettersWrapACheckedException() throws Exception {
    var handle =
        MethodHandles.lookup()
            .findStatic(
                GettersTest.class,
                "throwsChecked",
                MethodType.methodType(Object.class, Object.class));
    Function<Object, Object> getter =
        (Function<Object, Object>) Getters.ofHandle(handle, Object.class);
    assertThatThrownBy(() -> getter.apply("x"))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("accessor threw java.lang.Exception: checked");
  }

  @Test
  void everyPrimitiveKindRoundTripsInRecordsInBothShapes() {
    for (WireShape shape : WireShape.values()) {
      MessagePackMarshaller<Primitives> m =
          MessagePackMarshaller.of(
              Primitives.class, MessagePackSettings.newBuilder().defaultShape(shape).build());
      assertThat(m.decode(m.encode(VALUE))).isEqualTo(VALUE);
      Primitives zero = new Primitives(false, (byte) 0, (short) 0, '\0', 0, 0, 0f, -0.0, null);
      assertThat(m.decode(m.encode(zero))).isEqualTo(zero);
    }
  }

  @Test
  void nilAndMissingPrimitivesDecodeToZero() {
    MessagePackMarshaller<Primitives> m = MessagePackMarshaller.of(Primitives.class);
    // [nil, nil, nil]: the rest is missing
    assertThat(m.decode(new byte[] {(byte) 0x93, (byte) 0xc0, (byte) 0xc0, (byte) 0xc0}))
        .isEqualTo(new Primitives(false, (byte) 0, (short) 0, '\0', 0, 0, 0f, 0.0, null));
  }

  @Test
  void everyPrimitiveKindRoundTripsThroughSetters() {
    Settable s = new Settable();
    s.z = true;
    s.b = -3;
    s.c = 'x';
    s.i = Integer.MIN_VALUE;
    s.l = Long.MAX_VALUE;
    s.f = Float.MAX_VALUE;
    s.d = Double.MIN_VALUE;
    s.text = "t";
    s.list = List.of(1, 2);
    MessagePackMarshaller<Settable> m = MessagePackMarshaller.of(Settable.class);
    assertThat(m.decode(m.encode(s))).usingRecursiveComparison().isEqualTo(s);
    Settable empty = new Settable();
    empty.list = List.of();
    assertThat(m.decode(new byte[] {(byte) 0x90})).usingRecursiveComparison().isEqualTo(empty);
  }

  @Test
  void everyPrimitiveKindRoundTripsThroughTheConstructor() {
    Final value = new Final(true, List.of(3), (short) -2, 7, -8L, -0.5f, 1e300);
    MessagePackMarshaller<Final> m = MessagePackMarshaller.of(Final.class);
    assertThat(m.decode(m.encode(value))).usingRecursiveComparison().isEqualTo(value);
  }

  record Checked(int value) {
    @Override
    public int value() {
      throw sneaky(new Exception("no value"));
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable t) throws E {
      throw (E) t;
    }
  }

  @Test
  void aCheckedExceptionFromASpunGetterIsAnEncodingFailure() {
    MessagePackMarshaller<Checked> m = MessagePackMarshaller.of(Checked.class);
    assertThatThrownBy(() -> m.encode(new Checked(1)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(e.getStatus().getDescription())
                  .contains("field Checked.value")
                  .contains("accessor threw java.lang.Exception: no value");
            });
  }
}
