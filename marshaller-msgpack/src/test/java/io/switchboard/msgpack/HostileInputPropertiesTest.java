package io.switchboard.msgpack;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.msgpack.TestTypes.Everything;
import io.switchboard.msgpack.TestTypes.Node;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random and mutated bytes: decoding either succeeds or throws INVALID_ARGUMENT, nothing else, and
 * never allocates more than a bound proportional to the bytes actually given.
 */
class HostileInputPropertiesTest {
  private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Whether this JVM measures a thread's allocation; without it the bound checks nothing. */
  private static final boolean ALLOCATION_MEASURED = enableAllocationMeasurement();

  private static boolean enableAllocationMeasurement() {
    if (!THREADS.isThreadAllocatedMemorySupported()) {
      return false;
    }
    if (!THREADS.isThreadAllocatedMemoryEnabled()) {
      THREADS.setThreadAllocatedMemoryEnabled(true);
    }
    return THREADS.isThreadAllocatedMemoryEnabled();
  }

  /** Allocation allowed per decode: a fixed allowance plus a multiple of the input's size. */
  private static final long FIXED_ALLOWANCE = 256 * 1024;

  private static final long PER_INPUT_BYTE = 16;

  private static final MessagePackMarshaller<Everything> ARRAY =
      MessagePackMarshaller.of(Everything.class);
  private static final MessagePackMarshaller<Everything> MAP =
      MessagePackMarshaller.of(
          Everything.class, MessagePackSettings.newBuilder().defaultShape(WireShape.MAP).build());
  private static final MessagePackMarshaller<Node> NODES = MessagePackMarshaller.of(Node.class);

  static {
    // Load the classes decoding and its failures use, so that their one-time allocations (class
    // loading, msgpack-core's String.format) are not measured.
    Random random = new Random(0);
    for (int i = 0; i < 500; i++) {
      for (MessagePackMarshaller<?> m : Arrays.asList(ARRAY, MAP, NODES)) {
        byte[] valid = ARRAY.encode(RoundTripPropertiesTest.everything(random));
        byte[] noise = new byte[random.nextInt(64)];
        random.nextBytes(noise);
        for (byte[] bytes : Arrays.asList(valid, mutate(random, valid), noise)) {
          try {
            m.decode(bytes);
          } catch (StatusRuntimeException expected) {
            // Warming up the failure paths too.
          }
        }
      }
    }
  }

  private static void assertSafe(MessagePackMarshaller<?> marshaller, byte[] bytes) {
    StatusRuntimeException failure = null;
    long before = THREADS.getCurrentThreadAllocatedBytes();
    try {
      marshaller.decode(bytes);
    } catch (StatusRuntimeException e) {
      failure = e;
    }
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    if (failure != null) {
      assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(failure.getStatus().getDescription()).startsWith("cannot decode ");
    }
    Assume.that(ALLOCATION_MEASURED && before >= 0);
    assertThat(allocated)
        .as("bytes allocated decoding %d input bytes", bytes.length)
        .isLessThanOrEqualTo(FIXED_ALLOWANCE + PER_INPUT_BYTE * bytes.length);
  }

  @Property(tries = 2000)
  void randomBytes(@ForAll byte[] bytes) {
    assertSafe(ARRAY, bytes);
    assertSafe(MAP, bytes);
    assertSafe(NODES, bytes);
  }

  @Property(tries = 2000)
  void randomBytesStartingWithAContainerHeader(@ForAll("containerPrefixed") byte[] bytes) {
    assertSafe(ARRAY, bytes);
    assertSafe(MAP, bytes);
    assertSafe(NODES, bytes);
  }

  @Property(tries = 2000)
  void mutatedValidMessages(@ForAll("mutatedArray") byte[] bytes) {
    assertSafe(ARRAY, bytes);
  }

  @Property(tries = 2000)
  void mutatedValidMapMessages(@ForAll("mutatedMap") byte[] bytes) {
    assertSafe(MAP, bytes);
  }

  @Provide
  Arbitrary<byte[]> containerPrefixed() {
    // Headers that declare many elements or long payloads, then random bytes.
    Arbitrary<byte[]> prefix =
        Arbitraries.of(
            new byte[] {(byte) 0xdc, (byte) 0xff, (byte) 0xff},
            new byte[] {(byte) 0xdd, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff},
            new byte[] {(byte) 0xdf, 0x00, 0x10, 0x00, 0x00},
            new byte[] {(byte) 0xde, (byte) 0xff, (byte) 0xff},
            new byte[] {(byte) 0x9f},
            new byte[] {(byte) 0x91, (byte) 0x91, (byte) 0x91, (byte) 0x91});
    Arbitrary<byte[]> rest = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
    return net.jqwik.api.Combinators.combine(prefix, rest)
        .as(
            (p, r) -> {
              byte[] all = Arrays.copyOf(p, p.length + r.length);
              System.arraycopy(r, 0, all, p.length, r.length);
              return all;
            });
  }

  @Provide
  Arbitrary<byte[]> mutatedArray() {
    return mutated(ARRAY);
  }

  @Provide
  Arbitrary<byte[]> mutatedMap() {
    return mutated(MAP);
  }

  private static Arbitrary<byte[]> mutated(MessagePackMarshaller<Everything> marshaller) {
    return Arbitraries.randomValue(
        random -> {
          byte[] bytes = marshaller.encode(RoundTripPropertiesTest.everything(random));
          return mutate(random, bytes);
        });
  }

  /** Overwrites, inserts, deletes bytes or truncates: a few edits of a valid message. */
  static byte[] mutate(Random random, byte[] bytes) {
    for (int edits = 1 + random.nextInt(4); edits > 0 && bytes.length > 0; edits--) {
      int at = random.nextInt(bytes.length);
      switch (random.nextInt(4)) {
        case 0 -> bytes[at] = (byte) random.nextInt(256);
        case 1 -> {
          byte[] longer = new byte[bytes.length + 1];
          System.arraycopy(bytes, 0, longer, 0, at);
          longer[at] = (byte) random.nextInt(256);
          System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
          bytes = longer;
        }
        case 2 -> {
          byte[] shorter = new byte[bytes.length - 1];
          System.arraycopy(bytes, 0, shorter, 0, at);
          System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
          bytes = shorter;
        }
        default -> bytes = Arrays.copyOf(bytes, at);
      }
    }
    return bytes;
  }
}
