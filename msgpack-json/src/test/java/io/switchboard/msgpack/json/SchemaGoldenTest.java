package io.switchboard.msgpack.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.switchboard.msgpack.CodecRegistry;
import io.switchboard.msgpack.MessagePackCodec;
import io.switchboard.msgpack.MessagePackMarshaller;
import io.switchboard.msgpack.MessagePackReader;
import io.switchboard.msgpack.MessagePackSettings;
import io.switchboard.msgpack.TypeToken;
import io.switchboard.msgpack.json.JsonTestTypes.Account;
import io.switchboard.msgpack.json.JsonTestTypes.Containers;
import io.switchboard.msgpack.json.JsonTestTypes.Level;
import io.switchboard.msgpack.json.JsonTestTypes.MapUser;
import io.switchboard.msgpack.json.JsonTestTypes.Node;
import io.switchboard.msgpack.json.JsonTestTypes.Page;
import io.switchboard.msgpack.json.JsonTestTypes.Scalars;
import io.switchboard.msgpack.json.JsonTestTypes.Sparse;
import io.switchboard.msgpack.json.JsonTestTypes.User;
import io.switchboard.msgpack.schema.Schema;
import io.switchboard.msgpack.schema.SchemaCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.msgpack.core.MessagePacker;

/**
 * The schema of every supported kind of type, in its wire form (map-shaped MessagePack, shown as
 * JSON through the schemaless transcoder), against golden files in {@code
 * src/test/resources/golden/schema-*.json}, reviewed by hand. A deliberate change of the schema
 * format rewrites them with {@code -Dgolden.update=true}; review the diff.
 */
class SchemaGoldenTest {
  private static final ObjectMapper PRETTY =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final MessagePackMarshaller<Schema> WIRE =
      MessagePackMarshaller.of(
          Schema.class,
          MessagePackSettings.newBuilder()
              .codecs(
                  CodecRegistry.newBuilder().register(Schema.class, SchemaCodec.INSTANCE).build())
              .build());

  /** A hand-written codec's type: its schema says only "opaque". */
  record Money(long units, String currency) {}

  static final class MoneyCodec implements MessagePackCodec<Money> {
    @Override
    public void encode(MessagePacker packer, Money m) throws IOException {
      packer.packArrayHeader(2).packLong(m.units()).packString(m.currency());
    }

    @Override
    public Money decode(MessagePackReader reader) throws IOException {
      reader.readArrayHeader(2, 2);
      return new Money(reader.readLong(), reader.readString());
    }
  }

  record Priced(String item, Money price) {}

  static Stream<Arguments> kinds() {
    MessagePackSettings money =
        MessagePackSettings.newBuilder()
            .codecs(CodecRegistry.newBuilder().register(Money.class, new MoneyCodec()).build())
            .build();
    return Stream.of(
        Arguments.of("scalars", MessagePackMarshaller.of(Scalars.class).schema()),
        Arguments.of("containers", MessagePackMarshaller.of(Containers.class).schema()),
        Arguments.of("sparse", MessagePackMarshaller.of(Sparse.class).schema()),
        Arguments.of("generic", MessagePackMarshaller.of(new TypeToken<Page<User>>() {}).schema()),
        Arguments.of("recursive", MessagePackMarshaller.of(Node.class).schema()),
        Arguments.of("map-shape", MessagePackMarshaller.of(MapUser.class).schema()),
        Arguments.of("pojo", MessagePackMarshaller.of(Account.class).schema()),
        Arguments.of("opaque", MessagePackMarshaller.of(Priced.class, money).schema()),
        Arguments.of("enum", MessagePackMarshaller.of(Level.class).schema()),
        Arguments.of(
            "top-level-list",
            MessagePackMarshaller.of(new TypeToken<List<Map<String, Long>>>() {}).schema()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void schemaMatchesItsGoldenFile(String name, Schema schema) throws Exception {
    byte[] wire = WIRE.encode(schema);
    assertThat(WIRE.decode(wire)).as("read back").isEqualTo(schema);
    String json =
        PRETTY.writeValueAsString(PRETTY.readTree(JsonTranscoder.schemaless().toJson(wire))) + "\n";
    String file = "golden/schema-" + name + ".json";
    if (Boolean.getBoolean("golden.update")) {
      Path path = Path.of("src/test/resources", file);
      Files.createDirectories(path.getParent());
      Files.writeString(path, json);
    }
    try (InputStream golden = getClass().getClassLoader().getResourceAsStream(file)) {
      assertThat(golden)
          .as("golden file %s (write it with -Dgolden.update=true)", file)
          .isNotNull();
      assertThat(json).isEqualTo(new String(golden.readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
