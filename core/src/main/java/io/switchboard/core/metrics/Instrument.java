package io.switchboard.core.metrics;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What one metric measures: its name, kind, unit, description, the keys of its attributes and, for
 * histograms, the bucket boundaries advised to the implementation. Immutable; modules declare their
 * instruments as constants and the README lists them all.
 *
 * <p>Names follow OpenTelemetry's conventions (lower case, dot-separated, {@code switchboard.} then
 * the module), units are UCUM as OpenTelemetry writes them ({@code s}, {@code By}, {@code {call}}),
 * and attribute values must come from a bounded set (a target, a route, a status code, a state;
 * never an id), since every distinct set of values is a time series kept forever.
 */
public final class Instrument {
  /**
   * Bucket boundaries, in seconds, for latency histograms: those of gRFC A66, so Switchboard's
   * durations and grpc-java's per-call durations share buckets on one dashboard.
   */
  public static final List<Double> LATENCY_BUCKETS_SECONDS =
      List.of(
          0d, 0.00001, 0.00005, 0.0001, 0.0003, 0.0006, 0.0008, 0.001, 0.002, 0.003, 0.004, 0.005,
          0.006, 0.008, 0.01, 0.013, 0.016, 0.02, 0.025, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.13,
          0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.65, 0.8, 1d, 2d, 5d, 10d, 20d, 50d, 100d);

  /** The longest name accepted: OpenTelemetry's limit for instrument names. */
  public static final int MAX_NAME_LENGTH = 255;

  /** The longest unit accepted: OpenTelemetry's limit for units. */
  public static final int MAX_UNIT_LENGTH = 63;

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*");

  /** How an instrument is recorded and what its values mean. */
  public enum Kind {
    /** A monotonic sum, recorded with {@link BoundCounter#add}. */
    COUNTER(false),
    /** A sum that goes up and down, recorded with {@link BoundUpDownCounter#add}. */
    UP_DOWN_COUNTER(false),
    /** A distribution, recorded with {@link BoundHistogram#record}. */
    HISTOGRAM(false),
    /** A monotonic sum read from a callback at collection time. */
    OBSERVED_COUNTER(true),
    /** A sum that goes up and down, read from a callback at collection time. */
    OBSERVED_UP_DOWN_COUNTER(true),
    /** A value that is not a sum (a limit, a lag), read from a callback at collection time. */
    GAUGE(true);

    private final boolean observed;

    Kind(boolean observed) {
      this.observed = observed;
    }

    /** Returns true if the kind is read from a callback ({@link MetricSink#observe}). */
    public boolean isObserved() {
      return observed;
    }
  }

  private final String name;
  private final Kind kind;
  private final String unit;
  private final String description;
  private final List<String> attributeKeys;
  private final List<Double> buckets;

  private Instrument(
      String name,
      Kind kind,
      String unit,
      String description,
      List<String> attributeKeys,
      List<Double> buckets) {
    this.name = name;
    this.kind = kind;
    this.unit = unit;
    this.description = description;
    this.attributeKeys = attributeKeys;
    this.buckets = buckets;
  }

  /**
   * Declares a monotonic counter.
   *
   * @param name the name, e.g. {@code switchboard.pool.channel.events}
   * @param unit the UCUM unit, e.g. {@code {event}}
   * @param description what it counts, one sentence
   * @param attributeKeys the keys of its attributes, in the order values are bound
   * @return the instrument
   * @throws IllegalArgumentException if the name, the unit or a key is malformed, or a key repeats
   * @throws NullPointerException if an argument is null
   */
  public static Instrument counter(
      String name, String unit, String description, String... attributeKeys) {
    return of(name, Kind.COUNTER, unit, description, attributeKeys);
  }

  /**
   * Declares a counter that goes up and down. Arguments as for {@link #counter}.
   *
   * @return the instrument
   * @throws IllegalArgumentException if the name, the unit or a key is malformed, or a key repeats
   * @throws NullPointerException if an argument is null
   */
  public static Instrument upDownCounter(
      String name, String unit, String description, String... attributeKeys) {
    return of(name, Kind.UP_DOWN_COUNTER, unit, description, attributeKeys);
  }

  /**
   * Declares a histogram. When the unit is {@code s}, the advised buckets are {@link
   * #LATENCY_BUCKETS_SECONDS}; otherwise the implementation's default, unless {@link #withBuckets}
   * says otherwise. Arguments as for {@link #counter}.
   *
   * @return the instrument
   * @throws IllegalArgumentException if the name, the unit or a key is malformed, or a key repeats
   * @throws NullPointerException if an argument is null
   */
  public static Instrument histogram(
      String name, String unit, String description, String... attributeKeys) {
    Instrument instrument = of(name, Kind.HISTOGRAM, unit, description, attributeKeys);
    return unit.equals("s") ? instrument.withBuckets(LATENCY_BUCKETS_SECONDS) : instrument;
  }

  /**
   * Declares a monotonic counter read from a callback: for totals a component already keeps.
   * Arguments as for {@link #counter}.
   *
   * @return the instrument
   * @throws IllegalArgumentException if the name, the unit or a key is malformed, or a key repeats
   * @throws NullPointerException if an argument is null
   */
  public static Instrument observedCounter(
      String name, String unit, String description, String... attributeKeys) {
    return of(name, Kind.OBSERVED_COUNTER, unit, description, attributeKeys);
  }

  /**
   * Declares a sum that goes up and down, read from a callback: for counts a component already
   * keeps (channels, streams, buffered messages). Arguments as for {@link #counter}.
   *
   * @return the instrument
   * @throws IllegalArgumentException if the name, the unit or a key is malformed, or a key repeats
   * @throws NullPointerException if an argument is null
   */
  public static Instrument observedUpDownCounter(
      String name, String unit, String description, String... attributeKeys) {
    return of(name, Kind.OBSERVED_UP_DOWN_COUNTER, unit, description, attributeKeys);
  }

  /**
   * Declares a gauge read from a callback: a value that is not a sum across attributes (a limit, a
   * lag, a peak). Arguments as for {@link #counter}.
   *
   * @return the instrument
   * @throws IllegalArgumentException if the name, the unit or a key is malformed, or a key repeats
   * @throws NullPointerException if an argument is null
   */
  public static Instrument gauge(
      String name, String unit, String description, String... attributeKeys) {
    return of(name, Kind.GAUGE, unit, description, attributeKeys);
  }

  private static Instrument of(
      String name, Kind kind, String unit, String description, String... attributeKeys) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(unit, "unit");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(attributeKeys, "attributeKeys");
    checkName("name", name);
    if (unit.length() > MAX_UNIT_LENGTH || !unit.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException(
          "unit: \""
              + unit
              + "\" (expected: at most "
              + MAX_UNIT_LENGTH
              + " printable ASCII characters)");
    }
    Set<String> seen = new HashSet<>();
    for (String key : attributeKeys) {
      checkName("attributeKeys", Objects.requireNonNull(key, "attributeKeys element"));
      if (!seen.add(key)) {
        throw new IllegalArgumentException(
            "attributeKeys: " + Arrays.toString(attributeKeys) + " (expected: no key twice)");
      }
    }
    return new Instrument(name, kind, unit, description, List.of(attributeKeys), List.of());
  }

  private static void checkName(String setting, String value) {
    if (value.length() > MAX_NAME_LENGTH || !NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          setting
              + ": \""
              + value
              + "\" (expected: lower-case dot-separated words of [a-z0-9_], at most "
              + MAX_NAME_LENGTH
              + " characters)");
    }
  }

  /**
   * Returns a copy of this histogram with other advised bucket boundaries (an implementation may be
   * configured to ignore the advice, e.g. by an OpenTelemetry view).
   *
   * @param boundaries the upper bounds of the buckets, strictly increasing, at least one
   * @return the copy
   * @throws IllegalStateException if this instrument is not a histogram
   * @throws IllegalArgumentException if the boundaries are empty, not finite or not increasing
   * @throws NullPointerException if the list or an element is null
   */
  public Instrument withBuckets(List<Double> boundaries) {
    if (kind != Kind.HISTOGRAM) {
      throw new IllegalStateException(name + " is a " + kind + ", not a histogram: no buckets");
    }
    List<Double> copy = List.copyOf(boundaries);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("boundaries: [] (expected: at least one)");
    }
    double previous = Double.NEGATIVE_INFINITY;
    for (double b : copy) {
      if (!Double.isFinite(b) || b <= previous) {
        throw new IllegalArgumentException(
            "boundaries: " + copy + " (expected: finite and strictly increasing)");
      }
      previous = b;
    }
    return new Instrument(name, kind, unit, description, attributeKeys, copy);
  }

  /**
   * Checks that this instrument may be bound as the given kind with these values; for {@link
   * MetricSink} implementations, which call it in {@link MetricSink#counter}, {@link
   * MetricSink#upDownCounter} and {@link MetricSink#histogram} before binding.
   *
   * @param expected the kind the sink's method records
   * @param attributeValues the values, one per {@linkplain #attributeKeys() key}
   * @return the values as a list, in key order
   * @throws IllegalArgumentException if the kind differs or the number of values is not the number
   *     of keys
   * @throws NullPointerException if a value is null (the message names its key)
   */
  public List<String> checkBinding(Kind expected, String... attributeValues) {
    if (expected != kind) {
      throw new IllegalArgumentException(
          name + ": a " + kind + " (expected: a " + expected + " for this method)");
    }
    return checkValues(attributeValues);
  }

  /**
   * Checks that this instrument may be observed with these values; for {@link MetricSink}
   * implementations, which call it in {@link MetricSink#observe}.
   *
   * @param attributeValues the values, one per {@linkplain #attributeKeys() key}
   * @return the values as a list, in key order
   * @throws IllegalArgumentException if the kind is not {@linkplain Kind#isObserved() observed} or
   *     the number of values is not the number of keys
   * @throws NullPointerException if a value is null (the message names its key)
   */
  public List<String> checkObservation(String... attributeValues) {
    if (!kind.isObserved()) {
      throw new IllegalArgumentException(
          name + ": a " + kind + " (expected: an observed kind for observe())");
    }
    return checkValues(attributeValues);
  }

  private List<String> checkValues(String... attributeValues) {
    if (attributeValues.length != attributeKeys.size()) {
      throw new IllegalArgumentException(
          name
              + ": attribute values "
              + Arrays.toString(attributeValues)
              + " (expected: one for each of "
              + attributeKeys
              + ")");
    }
    for (int i = 0; i < attributeValues.length; i++) {
      if (attributeValues[i] == null) {
        throw new NullPointerException(name + ": null value for " + attributeKeys.get(i));
      }
    }
    return List.of(attributeValues);
  }

  /** Returns the name, e.g. {@code switchboard.pool.channels}. */
  public String name() {
    return name;
  }

  /** Returns the kind. */
  public Kind kind() {
    return kind;
  }

  /** Returns the UCUM unit, e.g. {@code s}, {@code By}, {@code {channel}}. */
  public String unit() {
    return unit;
  }

  /** Returns the one-sentence description. */
  public String description() {
    return description;
  }

  /** Returns the attribute keys, in the order values are bound. */
  public List<String> attributeKeys() {
    return attributeKeys;
  }

  /** Returns the advised bucket boundaries of a histogram; empty for the implementation's own. */
  public List<Double> buckets() {
    return buckets;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Instrument other
        && name.equals(other.name)
        && kind == other.kind
        && unit.equals(other.unit)
        && description.equals(other.description)
        && attributeKeys.equals(other.attributeKeys)
        && buckets.equals(other.buckets);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, kind, unit, description, attributeKeys, buckets);
  }

  @Override
  public String toString() {
    return name + " (" + kind + ", " + unit + ", " + attributeKeys + ")";
  }
}
