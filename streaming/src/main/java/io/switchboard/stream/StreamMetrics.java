package io.switchboard.stream;

import io.switchboard.core.metrics.BoundCounter;
import io.switchboard.core.metrics.BoundHistogram;
import io.switchboard.core.metrics.BoundUpDownCounter;
import io.switchboard.core.metrics.Instrument;
import io.switchboard.core.metrics.MetricSink;
import java.util.List;

/** The streaming module's instruments (see the README's metrics table). */
final class StreamMetrics {
  static final String STRATEGY = "switchboard.stream.overflow";
  static final String REGISTRY = "switchboard.stream.registry";

  static final Instrument BUFFERED_MESSAGES =
      Instrument.upDownCounter(
          "switchboard.stream.buffered.messages",
          "{message}",
          "Messages waiting in flow-controlled senders' buffers for the transport to be ready.",
          STRATEGY);
  static final Instrument BUFFERED_BYTES =
      Instrument.upDownCounter(
          "switchboard.stream.buffered.bytes",
          "By",
          "Bytes (by the senders' size functions) waiting in flow-controlled senders' buffers.",
          STRATEGY);
  static final Instrument PEAK_MESSAGES =
      Instrument.histogram(
              "switchboard.stream.buffered.messages.peak",
              "{message}",
              "Each ended sender's peak of buffered messages: how close streams came to the bound.",
              STRATEGY)
          .withBuckets(List.of(0d, 1d, 4d, 16d, 64d, 256d, 1024d, 4096d, 16384d));
  static final Instrument PEAK_BYTES =
      Instrument.histogram(
              "switchboard.stream.buffered.bytes.peak",
              "By",
              "Each ended sender's peak of buffered bytes.",
              STRATEGY)
          .withBuckets(List.of(0d, 1024d, 16384d, 65536d, 262144d, 1048576d, 4194304d, 16777216d));
  static final Instrument DROPPED =
      Instrument.counter(
          "switchboard.stream.dropped",
          "{message}",
          "Messages given up by a sender's overflow strategy (or a BLOCK wait that timed out).",
          STRATEGY);
  static final Instrument SENDER_WAITS =
      Instrument.counter(
          "switchboard.stream.sender.waits",
          "{wait}",
          "Times a producer waited for room in a BLOCK sender's buffer.",
          STRATEGY);
  static final Instrument STREAMS =
      Instrument.observedUpDownCounter(
          "switchboard.stream.registry.streams",
          "{stream}",
          "Streams a registry tracks (open, not yet ended).",
          REGISTRY);
  static final Instrument REAPED =
      Instrument.counter(
          "switchboard.stream.registry.reaped",
          "{stream}",
          "Streams the idle reaper closed.",
          REGISTRY);
  static final Instrument REPLAYED =
      Instrument.counter(
          "switchboard.stream.catchup.replayed",
          "{event}",
          "Events catch-up subscriptions delivered from the store before going live (its rate is"
              + " the replay rate).");

  static final Instrument LAG =
      Instrument.upDownCounter(
          "switchboard.stream.catchup.lag",
          "{event}",
          "Events stored but not yet sent by subscriptions replaying from the store (summed over"
              + " them; a subscription counts 0 once live), as of each page it reads.");

  static final Instrument CAUGHT_UP =
      Instrument.counter(
          "switchboard.stream.catchup.caught_up",
          "{signal}",
          "Times catch-up subscriptions caught up with the log and went live.");

  static final Instrument FELL_BEHIND =
      Instrument.counter(
          "switchboard.stream.catchup.fell_behind",
          "{signal}",
          "Times catch-up subscriptions fell behind live (their live buffer overflowed) and went"
              + " back to the store.");

  /** Every instrument of the streaming module, for the README's table and its test. */
  static final List<Instrument> ALL =
      List.of(
          BUFFERED_MESSAGES,
          BUFFERED_BYTES,
          PEAK_MESSAGES,
          PEAK_BYTES,
          DROPPED,
          SENDER_WAITS,
          STREAMS,
          REAPED,
          REPLAYED,
          LAG,
          CAUGHT_UP,
          FELL_BEHIND);

  private StreamMetrics() {}

  /**
   * One sender's handles and what it reported so far: it reports the changes of its buffer's
   * counts, under the sender's lock, so the sums across senders stay exact.
   */
  static class SenderMeter {
    static final SenderMeter NOOP = new SenderMeter();

    void report(OutboundBuffer<?> buffer) {}

    void waited() {}

    void ended(OutboundBuffer<?> buffer) {}

    static SenderMeter of(MetricSink sink, OverflowStrategy strategy) {
      return sink.isNoop() ? NOOP : new Bound(sink, strategy.name());
    }

    private static final class Bound extends SenderMeter {
      private final BoundUpDownCounter messages;
      private final BoundUpDownCounter bytes;
      private final BoundCounter dropped;
      private final BoundCounter waits;
      private final BoundHistogram peakMessages;
      private final BoundHistogram peakBytes;
      private int reportedMessages;
      private long reportedBytes;
      private long reportedDropped;
      private boolean ended;

      Bound(MetricSink sink, String strategy) {
        messages = sink.upDownCounter(BUFFERED_MESSAGES, strategy);
        bytes = sink.upDownCounter(BUFFERED_BYTES, strategy);
        dropped = sink.counter(DROPPED, strategy);
        waits = sink.counter(SENDER_WAITS, strategy);
        peakMessages = sink.histogram(PEAK_MESSAGES, strategy);
        peakBytes = sink.histogram(PEAK_BYTES, strategy);
      }

      @Override
      void report(OutboundBuffer<?> buffer) {
        int m = buffer.size();
        if (m != reportedMessages) {
          messages.add(m - reportedMessages);
          reportedMessages = m;
        }
        long b = buffer.bytes();
        if (b != reportedBytes) {
          bytes.add(b - reportedBytes);
          reportedBytes = b;
        }
        long d = buffer.dropped() + buffer.timedOut();
        if (d != reportedDropped) {
          dropped.add(d - reportedDropped);
          reportedDropped = d;
        }
      }

      @Override
      void waited() {
        waits.increment();
      }

      @Override
      void ended(OutboundBuffer<?> buffer) {
        report(buffer);
        if (!ended) {
          ended = true;
          peakMessages.record(buffer.peakMessages());
          peakBytes.record(buffer.peakBytes());
        }
      }
    }
  }
}
