package io.switchboard.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.switchboard.msgpack.CodecRegistry;
import io.switchboard.msgpack.MessagePackMarshaller;
import io.switchboard.msgpack.MessagePackSettings;
import io.switchboard.msgpack.json.JsonTranscoder;
import io.switchboard.msgpack.schema.MethodSchema;
import io.switchboard.msgpack.schema.Schema;
import io.switchboard.msgpack.schema.SchemaCodec;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * {@code describe --format json}: a service's methods with their schemas in the reflection
 * service's own form (map-shaped MessagePack, WIRE-FORMAT.md), shown as JSON.
 */
final class SchemaJson {
  private static final MessagePackMarshaller<Schema> SCHEMA_WIRE =
      MessagePackMarshaller.of(
          Schema.class,
          MessagePackSettings.newBuilder()
              .codecs(
                  CodecRegistry.newBuilder().register(Schema.class, SchemaCodec.INSTANCE).build())
              .build());
  private static final JsonFactory JSON = new JsonFactory();

  private SchemaJson() {}

  static String service(String name, List<MethodSchema> methods) {
    StringWriter text = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(text).useDefaultPrettyPrinter()) {
      g.writeStartObject();
      g.writeStringField("name", name);
      g.writeArrayFieldStart("methods");
      for (MethodSchema m : methods) {
        g.writeStartObject();
        g.writeStringField("name", m.name());
        g.writeStringField("fullName", m.fullName());
        g.writeStringField("kind", m.kind().name());
        g.writeFieldName("request");
        schema(g, m.request());
        g.writeFieldName("response");
        schema(g, m.response());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  private static void schema(JsonGenerator g, Schema schema) throws IOException {
    if (schema == null) {
      g.writeNull();
      return;
    }
    byte[] json = JsonTranscoder.schemaless().toJson(SCHEMA_WIRE.encode(schema));
    try (JsonParser p = JSON.createParser(json)) {
      p.nextToken();
      g.copyCurrentStructure(p);
    }
  }
}
