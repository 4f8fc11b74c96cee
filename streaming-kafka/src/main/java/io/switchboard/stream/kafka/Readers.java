package io.switchboard.stream.kafka;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A few consumers assigned to one partition, lent out one read at a time. A consumer keeps its
 * position and the records it fetched beyond what a read took, so the next read from there (the
 * next page of a replay, or the read after a wait at the end) takes them without a seek or a fetch.
 */
final class Readers implements AutoCloseable {
  /** One record as a read returns it. */
  record Record(long offset, long timestamp, byte[] value) {}

  /** While a read waits for records the end offset says exist, it polls this long at a time. */
  private static final Duration POLL_SLICE = Duration.ofMillis(50);

  private final Map<String, Object> properties;
  private final TopicPartition partition;
  private final int max;
  private final Duration timeout;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition freed = lock.newCondition();
  private final ArrayDeque<Reader> idle = new ArrayDeque<>();
  private final Set<Reader> all = new HashSet<>();

  /** The highest end offset known: from appends, fetched records and end-offset lookups. */
  private final AtomicLong knownEnd = new AtomicLong();

  private boolean closed;

  Readers(Map<String, Object> properties, TopicPartition partition, int max, Duration timeout) {
    this.properties = Map.copyOf(properties);
    this.partition = partition;
    this.max = max;
    this.timeout = timeout;
  }

  /** This process appended the event of {@code sequence}: the end is at least there. */
  void stored(long sequence) {
    knownEnd.accumulateAndGet(sequence, Math::max);
  }

  /** Reads up to {@code maxRecords} records from {@code from}; see {@link KafkaEventStore#read}. */
  List<Record> read(long from, int maxRecords) throws InterruptedException {
    Reader r = borrow(from);
    boolean healthy = false;
    try {
      List<Record> page = read(r, from, maxRecords);
      healthy = true;
      return page;
    } finally {
      release(r, healthy);
    }
  }

  private List<Record> read(Reader r, long from, int maxRecords) {
    r.position(from);
    List<Record> page = new ArrayList<>(Math.min(maxRecords, 1_024));
    long end = knownEnd.get();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (page.size() < maxRecords) {
      ConsumerRecord<byte[], byte[]> next = r.buffered.peekFirst();
      if (next == null) {
        if (r.next >= end) {
          end = endOffset(r.consumer);
          if (r.next >= end) {
            break; // Everything stored has been read.
          }
        }
        if (r.fetch(POLL_SLICE) == 0) {
          if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException(
                "no record came from offset "
                    + r.next
                    + " of "
                    + partition
                    + " within "
                    + timeout
                    + " though the end offset is "
                    + end);
          }
          end = endOffset(r.consumer); // it may have gone down: the topic was deleted
        }
        continue;
      }
      if (next.offset() > r.next && !page.isEmpty()) {
        break; // A hole (evicted meanwhile, or a transaction marker): the next read starts after
        // it.
      }
      r.buffered.pollFirst();
      page.add(new Record(next.offset(), next.timestamp(), next.value()));
      r.next = next.offset() + 1;
    }
    knownEnd.accumulateAndGet(r.next, Math::max);
    return page;
  }

  /**
   * Waits for a record at offset {@code offset} or later; see {@link KafkaEventStore#awaitAfter}.
   */
  long awaitAfter(long offset, Duration wait) throws InterruptedException {
    long known = knownEnd.get();
    if (known > offset) {
      return known;
    }
    Reader r = borrow(offset);
    boolean healthy = false;
    try {
      long end = endOffset(r.consumer);
      if (end != offset) {
        healthy = true;
        return end; // Already there, or the log is shorter (reset): nothing to wait for.
      }
      r.position(offset);
      long deadline = System.nanoTime() + wait.toNanos();
      while (r.buffered.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        r.fetch(Duration.ofNanos(left));
      }
      healthy = true;
      ConsumerRecord<byte[], byte[]> last = r.buffered.peekLast();
      return last == null
          ? knownEnd.get()
          : knownEnd.accumulateAndGet(last.offset() + 1, Math::max);
    } finally {
      release(r, healthy);
    }
  }

  long beginningOffset() throws InterruptedException {
    return withAny(c -> c.beginningOffsets(List.of(partition), timeout).get(partition));
  }

  long endOffset() throws InterruptedException {
    return withAny(this::endOffset);
  }

  /** The first record at or after {@code millis}, or null. */
  OffsetAndTimestamp offsetForTime(long millis) throws InterruptedException {
    return withAny(c -> c.offsetsForTimes(Map.of(partition, millis), timeout).get(partition));
  }

  private long endOffset(KafkaConsumer<byte[], byte[]> c) {
    long end = c.endOffsets(List.of(partition), timeout).get(partition);
    knownEnd.accumulateAndGet(end, Math::max);
    return end;
  }

  private interface Lookup<T> {
    T apply(KafkaConsumer<byte[], byte[]> consumer);
  }

  private <T> T withAny(Lookup<T> lookup) throws InterruptedException {
    Reader r = borrow(-1);
    boolean healthy = false;
    try {
      T result = lookup.apply(r.consumer);
      healthy = true;
      return result;
    } finally {
      release(r, healthy);
    }
  }

  /** Lends a reader, preferring one already at {@code offset}. */
  private Reader borrow(long offset) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      for (; ; ) {
        if (closed) {
          throw new IllegalStateException("the event store of " + partition + " is closed");
        }
        Reader found = null;
        for (Iterator<Reader> it = idle.iterator(); it.hasNext(); ) {
          Reader r = it.next();
          if (r.next == offset) {
            found = r;
            it.remove();
            break;
          }
        }
        if (found == null) {
          found = idle.pollLast(); // the most recently used: the others may age out together
        }
        if (found != null) {
          return found;
        }
        if (all.size() < max) {
          Reader r = new Reader();
          all.add(r);
          return r;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              "all "
                  + max
                  + " readers of "
                  + partition
                  + " stayed busy for "
                  + timeout
                  + " (maxReaders: "
                  + max
                  + ")");
        }
        freed.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  private void release(Reader r, boolean healthy) {
    lock.lock();
    try {
      if (healthy && !closed) {
        idle.addLast(r);
      } else {
        all.remove(r);
        r.consumer.close(Duration.ZERO);
      }
      freed.signal();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      for (Reader r : idle) {
        all.remove(r);
        r.consumer.close(Duration.ZERO);
      }
      idle.clear();
      for (Reader busy : all) {
        busy.consumer.wakeup(); // its read ends with a WakeupException and closes it
      }
      freed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** One consumer, its position (the offset of the next record it returns) and what it fetched. */
  private final class Reader {
    final KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    final ArrayDeque<ConsumerRecord<byte[], byte[]>> buffered = new ArrayDeque<>();
    long next = -1;

    Reader() {
      consumer.assign(List.of(partition));
    }

    void position(long offset) {
      if (next != offset) {
        buffered.clear();
        consumer.seek(partition, offset);
        next = offset;
      }
    }

    /** Polls once; returns how many records came. */
    int fetch(Duration wait) {
      int n = 0;
      for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(wait).records(partition)) {
        if (rec.offset() >= next) {
          buffered.addLast(rec);
          n++;
        }
      }
      return n;
    }
  }
}
