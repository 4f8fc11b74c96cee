package io.switchboard.msgpack.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.core.ErrorMapper;
import io.switchboard.msgpack.schema.MethodSchema;
import io.switchboard.msgpack.schema.Schema;
import io.switchboard.msgpack.schema.TypeRef;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Transcodes one message type between its canonical JSON form and its MessagePack bytes, both ways,
 * by its {@link Schema} (or without one, for map-shaped messages), on Jackson's streaming parser
 * and generator: no Java objects of the message are made. The mapping is specified in {@code
 * WIRE-FORMAT.md}; in short, a record is a JSON object by field name whatever its wire shape, an
 * enum its constant's name, {@code byte[]} base64, {@code Instant} an RFC 3339 string, {@code
 * Duration} decimal seconds ({@code "1.5s"}), {@code UUID}, {@code BigDecimal} and {@code
 * BigInteger} strings, a sealed union an object with one key naming the variant.
 *
 * <pre>{@code
 * JsonTranscoder users = JsonTranscoder.of(MessagePackMarshaller.of(User.class).schema());
 * byte[] msgpack = users.toMessagePack("{\"id\":1,\"name\":\"ann\"}".getBytes(UTF_8));
 * byte[] json = users.toJson(msgpack);   // {"id":1,"name":"ann","email":null,"age":0,"active":false}
 * }</pre>
 *
 * <p>JSON to MessagePack writes exactly the bytes the Java marshaller writes for the same values
 * (array shape: every index up to the highest, nil in gaps and for absent fields; map shape: every
 * field in declaration order). MessagePack to JSON writes every field in wire order, a nil or
 * absent one as what the Java reader makes of it (0 or false for a primitive, else null). Canonical
 * JSON (what this class writes) read back gives the same JSON.
 *
 * <p><b>Failures.</b> Input that is not a valid message of the type, or exceeds a {@linkplain
 * JsonSettings limit}, is rejected with a {@link StatusRuntimeException} of {@link
 * Status.Code#INVALID_ARGUMENT} whose description names the type, the path to the value and, for
 * JSON, its line and column: {@code cannot read JSON as demo.User at $.age (line 1, column 27):
 * integer 300 out of range of an int8}. Instances are immutable and thread-safe; make one per
 * message type and reuse it.
 */
public final class JsonTranscoder {
  private final Schema schema;
  private final JsonSettings settings;
  private final Node root;
  private final String typeName;
  private final boolean nilAllowed;
  private final JsonFactory json;

  private JsonTranscoder(Schema schema, JsonSettings settings) {
    this.schema = schema;
    this.settings = settings;
    if (schema == null) {
      this.root = new AnyNode(settings, "any JSON value");
      this.typeName = "a message without a schema";
      this.nilAllowed = true;
    } else {
      this.root = NodeCompiler.compile(schema, settings);
      TypeRef top = schema.root();
      this.typeName = top instanceof TypeRef.Named n ? n.name() : root.describe();
      this.nilAllowed =
          top instanceof TypeRef.ListOf
              || top instanceof TypeRef.MapOf
              || top instanceof TypeRef.OptionalOf
              || top instanceof TypeRef.Opaque;
    }
    this.json =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    // Our own depth check names the path; Jackson's is the backstop.
                    .maxNestingDepth(settings.maxDepth() + 1)
                    .maxStringLength(settings.maxStringChars())
                    .maxNameLength(settings.maxStringChars())
                    .maxNumberLength(ScalarNodes.MAX_NUMBER_CHARS)
                    .maxDocumentLength(settings.maxJsonBytes())
                    .build())
            .streamWriteConstraints(
                StreamWriteConstraints.builder().maxNestingDepth(settings.maxDepth() + 1).build())
            .build();
  }

  /**
   * Returns the transcoder of the messages a schema describes, with the default settings.
   *
   * @throws NullPointerException if the schema is null
   */
  public static JsonTranscoder of(Schema schema) {
    return of(schema, JsonSettings.defaults());
  }

  /**
   * Returns the transcoder of the messages a schema describes.
   *
   * @throws NullPointerException if an argument is null
   */
  public static JsonTranscoder of(Schema schema, JsonSettings settings) {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(settings, "settings");
    return new JsonTranscoder(schema, settings);
  }

  /**
   * Returns the transcoder of messages without a schema, with the default settings: a JSON object
   * is a MessagePack map with str keys, integers stay integers and other numbers become float64,
   * bins become base64 strings and timestamps RFC 3339 strings. Fits map-shaped messages.
   */
  public static JsonTranscoder schemaless() {
    return schemaless(JsonSettings.defaults());
  }

  /**
   * Returns the transcoder of messages without a schema.
   *
   * @throws NullPointerException if the settings are null
   */
  public static JsonTranscoder schemaless(JsonSettings settings) {
    return new JsonTranscoder(null, Objects.requireNonNull(settings, "settings"));
  }

  /**
   * Returns the transcoder of a method's requests: by their schema, or {@linkplain #schemaless()
   * without} when the method publishes none.
   *
   * @throws NullPointerException if an argument is null
   */
  public static JsonTranscoder forRequests(MethodSchema method, JsonSettings settings) {
    Objects.requireNonNull(settings, "settings");
    return method.request() == null ? schemaless(settings) : of(method.request(), settings);
  }

  /**
   * Returns the transcoder of a method's responses: by their schema, or {@linkplain #schemaless()
   * without} when the method publishes none.
   *
   * @throws NullPointerException if an argument is null
   */
  public static JsonTranscoder forResponses(MethodSchema method, JsonSettings settings) {
    Objects.requireNonNull(settings, "settings");
    return method.response() == null ? schemaless(settings) : of(method.response(), settings);
  }

  /** Returns the schema, or null for a schemaless transcoder. */
  public Schema schema() {
    return schema;
  }

  /** Returns the settings. */
  public JsonSettings settings() {
    return settings;
  }

  /**
   * Reads one JSON document and returns its MessagePack message.
   *
   * @throws NullPointerException if the array is null
   * @throws StatusRuntimeException with {@code INVALID_ARGUMENT} if the JSON is malformed, is not a
   *     message of the type, or exceeds a limit
   */
  public byte[] toMessagePack(byte[] json) {
    Objects.requireNonNull(json, "json");
    return toMessagePack(json, 0, json.length);
  }

  /**
   * Reads one JSON document from {@code length} bytes at {@code offset} and returns its MessagePack
   * message.
   *
   * @throws NullPointerException if the array is null
   * @throws IndexOutOfBoundsException if the range is not within the array
   * @throws StatusRuntimeException with {@code INVALID_ARGUMENT} if the JSON is malformed, is not a
   *     message of the type, or exceeds a limit
   */
  public byte[] toMessagePack(byte[] json, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, json.length);
    if (length > settings.maxJsonBytes()) {
      throw invalid(
          "cannot read JSON as "
              + typeName
              + ": a body of "
              + length
              + " bytes exceeds maxJsonBytes "
              + settings.maxJsonBytes());
    }
    OutputBytes out = OutputBytes.acquire();
    JsonParser p = null;
    try {
      p = this.json.createParser(json, offset, length);
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new TranscodeException("an empty document (expected: " + root.describe() + ")");
      }
      if (t == JsonToken.VALUE_NULL) {
        if (!nilAllowed) {
          throw new TranscodeException("null (expected: " + root.describe() + ")");
        }
        out.writeNil();
      } else {
        root.fromJson(p, out, new Node.JsonReading(settings));
      }
      if (p.nextToken() != null) {
        throw new TranscodeException("more content after the value (expected: one JSON value)");
      }
      return out.toByteArray();
    } catch (TranscodeException e) {
      throw invalid(readFailure(e.path(), p, e.problem()));
    } catch (StreamConstraintsException e) {
      throw invalid(readFailure(null, p, limit(e.getOriginalMessage())));
    } catch (JsonParseException e) {
      throw invalid(readFailure(null, p, "malformed JSON: " + e.getOriginalMessage()));
    } catch (JsonProcessingException e) {
      throw invalid(readFailure(null, p, e.getOriginalMessage()));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading an array does no I/O
    } finally {
      out.release();
      close(p);
    }
  }

  /**
   * Reads one MessagePack message and returns its canonical JSON (UTF-8).
   *
   * @throws NullPointerException if the array is null
   * @throws StatusRuntimeException with {@code INVALID_ARGUMENT} if the bytes are not one message
   *     of the type, or exceed a limit
   */
  public byte[] toJson(byte[] msgpack) {
    Objects.requireNonNull(msgpack, "msgpack");
    return toJson(msgpack, 0, msgpack.length);
  }

  /**
   * Reads one MessagePack message from {@code length} bytes at {@code offset} and returns its
   * canonical JSON (UTF-8).
   *
   * @throws NullPointerException if the array is null
   * @throws IndexOutOfBoundsException if the range is not within the array
   * @throws StatusRuntimeException with {@code INVALID_ARGUMENT} if the bytes are not one message
   *     of the type, or exceed a limit
   */
  public byte[] toJson(byte[] msgpack, int offset, int length) {
    OutputBytes sink = OutputBytes.acquire();
    try {
      toJson(msgpack, offset, length, sink);
      return sink.toByteArray();
    } finally {
      sink.release();
    }
  }

  /**
   * Reads one MessagePack message and writes its canonical JSON (UTF-8) to {@code out}, which is
   * neither flushed nor closed. On failure some of the JSON may have been written.
   *
   * @throws NullPointerException if an argument is null
   * @throws IndexOutOfBoundsException if the range is not within the array
   * @throws StatusRuntimeException with {@code INVALID_ARGUMENT} if the bytes are not one message
   *     of the type, or exceed a limit
   * @throws UncheckedIOException if writing to {@code out} fails
   */
  public void toJson(byte[] msgpack, int offset, int length, OutputStream out) {
    Objects.checkFromIndexSize(offset, length, msgpack.length);
    Objects.requireNonNull(out, "out");
    if (length > settings.maxMessageBytes()) {
      throw invalid(
          "cannot write JSON of "
              + typeName
              + ": a message of "
              + length
              + " bytes exceeds maxMessageBytes "
              + settings.maxMessageBytes());
    }
    MsgpackIn in = new MsgpackIn(msgpack, offset, length, settings);
    try (JsonGenerator g = json.createGenerator(out, JsonEncoding.UTF8)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      if (in.tryNil()) {
        if (!nilAllowed) {
          throw new TranscodeException("the message is nil (expected: " + root.describe() + ")");
        }
        g.writeNull();
      } else {
        root.toJson(in, g);
      }
      if (in.remaining() != 0) {
        throw new TranscodeException(in.remaining() + " extra bytes after the value");
      }
    } catch (TranscodeException e) {
      throw invalid(cap("cannot write JSON of " + typeName + at(e.path()) + ": " + e.problem()));
    } catch (StreamConstraintsException e) {
      throw invalid(cap("cannot write JSON of " + typeName + ": " + limit(e.getOriginalMessage())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String readFailure(String path, JsonParser p, String problem) {
    StringBuilder s = new StringBuilder("cannot read JSON as ").append(typeName);
    boolean inside = path != null && !path.equals("$");
    if (inside) {
      s.append(" at ").append(path);
    }
    if (p != null) {
      JsonLocation where = p.currentTokenLocation();
      s.append(inside ? " (line " : " at line ")
          .append(where.getLineNr())
          .append(", column ")
          .append(where.getColumnNr())
          .append(inside ? ")" : "");
    }
    return cap(s.append(": ").append(problem).toString());
  }

  private static String at(String path) {
    return path.equals("$") ? "" : " at " + path;
  }

  /** Rephrases a Jackson limit in this class's settings' words. */
  private String limit(String message) {
    String m = message == null ? "" : message;
    if (m.startsWith("String value length")) {
      return "a string longer than maxStringChars " + settings.maxStringChars();
    }
    if (m.startsWith("Name length")) {
      return "a key longer than maxStringChars " + settings.maxStringChars();
    }
    if (m.startsWith("Document nesting depth")) {
      return "nesting deeper than maxDepth " + settings.maxDepth();
    }
    if (m.startsWith("Number value length")) {
      return "a number longer than " + ScalarNodes.MAX_NUMBER_CHARS + " chars";
    }
    if (m.startsWith("Document length")) {
      return "a body longer than maxJsonBytes " + settings.maxJsonBytes();
    }
    return "a limit exceeded: " + m;
  }

  private static String cap(String description) {
    int max = ErrorMapper.MAX_DESCRIPTION_LENGTH;
    return description.length() <= max ? description : description.substring(0, max - 3) + "...";
  }

  private static StatusRuntimeException invalid(String description) {
    return Status.INVALID_ARGUMENT.withDescription(cap(description)).asRuntimeException();
  }

  private static void close(JsonParser p) {
    if (p != null) {
      try {
        p.close();
      } catch (IOException ignored) {
        // closing a parser of an array does no I/O
      }
    }
  }

  @Override
  public String toString() {
    return "JsonTranscoder{" + typeName + "}";
  }
}
