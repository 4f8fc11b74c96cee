package io.switchboard.benchmarks.msgpack;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.benchmarks.RatioReport;
import io.switchboard.benchmarks.msgpack.MessagePackBenchmark.Order;
import io.switchboard.benchmarks.msgpack.MessagePackBenchmark.User;
import io.switchboard.msgpack.MessagePackMarshaller;
import io.switchboard.msgpack.json.JsonTranscoder;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.results.RunResult;

/**
 * The canonical JSON mapping's cost against the cost a REST endpoint pays for the same JSON:
 * msgpack-json's {@link JsonTranscoder} turning a JSON body into the message's MessagePack bytes
 * ({@code toMessagePack}) and MessagePack bytes back into JSON ({@code toJson}), by the schema the
 * marshaller publishes, against Jackson databind reading the same JSON into the Java record ({@code
 * jacksonRead}) and writing the record as JSON ({@code jacksonWrite}). {@code ours} is the round
 * trip JSON → MessagePack → JSON, {@code baseline} Jackson's JSON → record → JSON. On the seed's
 * small user record and an order with 20 items (the messages of {@link MessagePackBenchmark}). Its
 * {@code main} prints the three ratios (below 1: the transcoder takes less time).
 *
 * <p>Run (about 4 minutes; the arguments are JMH's):
 *
 * <pre>
 * mvn -B -q -ntp -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar \
 *     io.switchboard.benchmarks.msgpack.JsonTranscodingBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JsonTranscodingBenchmark {
  @Param({"small", "nested"})
  public String message;

  private final ObjectMapper jackson = new ObjectMapper();
  private JsonTranscoder transcoder;
  private Class<?> type;
  private Object record;
  private byte[] json;
  private byte[] msgpack;

  @Setup
  public void setUp() throws IOException {
    MessagePackMarshaller<?> marshaller;
    if (message.equals("small")) {
      record = MessagePackBenchmark.user();
      type = User.class;
      marshaller = MessagePackMarshaller.of(User.class);
    } else {
      record = MessagePackBenchmark.order();
      type = Order.class;
      marshaller = MessagePackMarshaller.of(Order.class);
    }
    transcoder = JsonTranscoder.of(marshaller.schema());
    json = jackson.writeValueAsBytes(record);
    msgpack = transcoder.toMessagePack(json);
    // Both sides read and write the same JSON: check it once, so the comparison is fair.
    if (!jackson.readTree(transcoder.toJson(msgpack)).equals(jackson.readTree(json))) {
      throw new IllegalStateException(
          "the transcoder's JSON differs from Jackson's: "
              + new String(transcoder.toJson(msgpack), java.nio.charset.StandardCharsets.UTF_8));
    }
    if (!Arrays.equals(msgpack, encode(marshaller, record))) {
      throw new IllegalStateException("JSON -> MessagePack differs from the marshaller's bytes");
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> byte[] encode(MessagePackMarshaller<T> marshaller, Object value) {
    return marshaller.encode((T) value);
  }

  /** JSON body to the message's MessagePack bytes. */
  @Benchmark
  public byte[] toMessagePack() {
    return transcoder.toMessagePack(json);
  }

  /** The message's MessagePack bytes to JSON. */
  @Benchmark
  public byte[] toJson() {
    return transcoder.toJson(msgpack);
  }

  /** JSON body to the Java record, as a REST endpoint reads it. */
  @Benchmark
  public Object jacksonRead() throws IOException {
    return jackson.readValue(json, type);
  }

  /** The Java record to JSON, as a REST endpoint writes it. */
  @Benchmark
  public byte[] jacksonWrite() throws IOException {
    return jackson.writeValueAsBytes(record);
  }

  /** JSON → MessagePack → JSON: what a gateway does for a JSON call. */
  @Benchmark
  public byte[] ours() {
    return transcoder.toJson(transcoder.toMessagePack(json));
  }

  /** JSON → record → JSON with Jackson databind. */
  @Benchmark
  public byte[] baseline() throws IOException {
    return jackson.writeValueAsBytes(jackson.readValue(json, type));
  }

  /**
   * Runs the benchmarks and prints the ratios: round trip, JSON to MessagePack against Jackson's
   * read, MessagePack to JSON against Jackson's write.
   */
  public static void main(String[] args) throws Exception {
    Collection<RunResult> results =
        RatioReport.run(JsonTranscodingBenchmark.class, args, "ours", "baseline");
    RatioReport.print(results, "toMessagePack", "jacksonRead");
    RatioReport.print(results, "toJson", "jacksonWrite");
  }
}
