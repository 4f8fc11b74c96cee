package io.switchboard.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a stream of JSON documents (one after another, any whitespace between: one a line, or
 * pretty-printed) into each document's bytes exactly as written, reading no further than needed, so
 * requests typed or piped in are sent as they come. A document may be at most {@code maxBytes}.
 */
final class JsonRequests implements Closeable {
  private static final JsonFactory JSON = new JsonFactory();

  private final Recording input;
  private final JsonParser parser;
  private int count;

  JsonRequests(InputStream in, int maxBytes) throws IOException {
    this.input = new Recording(in, maxBytes);
    this.parser = JSON.createParser(input);
  }

  /**
   * Returns the next document, or null at the end of the input.
   *
   * @throws CliException if the input is not JSON or a document is too large
   * @throws IOException if reading the input fails
   */
  byte[] next() throws IOException {
    try {
      JsonToken t = parser.nextToken();
      if (t == null) {
        return null;
      }
      count++;
      long start = parser.currentTokenLocation().getByteOffset();
      if (t.isStructStart()) {
        parser.skipChildren();
      }
      long end = parser.currentLocation().getByteOffset();
      byte[] document = input.slice(start, end);
      input.discardBefore(end);
      return document;
    } catch (JsonProcessingException e) {
      throw CliException.usage(
          "request "
              + Math.max(count, 1)
              + ": malformed JSON at line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + ": "
              + e.getOriginalMessage());
    } catch (TooLarge e) {
      throw CliException.usage(
          "request " + (count + 1) + ": larger than " + input.maxBytes + " bytes (maxJsonBytes)");
    }
  }

  /** Returns how many documents were returned so far. */
  int count() {
    return count;
  }

  @Override
  public void close() throws IOException {
    parser.close();
  }

  /** A document beyond the limit. */
  private static final class TooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super(null, null);
    }
  }

  /**
   * The input, keeping the bytes read since the last {@link #discardBefore} so that a document can
   * be cut out exactly; holds at most the limit plus the parser's read-ahead.
   */
  private static final class Recording extends InputStream {
    /** What the parser reads ahead of the document's end (its buffer is 8000 bytes). */
    private static final int READ_AHEAD = 16 * 1024;

    private final InputStream in;
    private final int maxBytes;
    private byte[] kept = new byte[8192];
    private int length;
    private long base; // stream offset of kept[0]

    Recording(InputStream in, int maxBytes) {
      this.in = in;
      this.maxBytes = maxBytes;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        if ((long) length + n > (long) maxBytes + READ_AHEAD) {
          throw new TooLarge();
        }
        if (length + n > kept.length) {
          kept = Arrays.copyOf(kept, Math.max(length + n, kept.length * 2));
        }
        System.arraycopy(b, off, kept, length, n);
        length += n;
      }
      return n;
    }

    byte[] slice(long start, long end) throws TooLarge {
      if (end - start > maxBytes) {
        throw new TooLarge();
      }
      return Arrays.copyOfRange(kept, (int) (start - base), (int) (end - base));
    }

    void discardBefore(long offset) {
      int drop = (int) (offset - base);
      System.arraycopy(kept, drop, kept, 0, length - drop);
      length -= drop;
      base = offset;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
