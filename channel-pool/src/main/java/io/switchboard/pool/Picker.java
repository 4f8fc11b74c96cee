package io.switchboard.pool;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses the channel for a call among those in rotation. Holds no state but the growth threshold,
 * so it is thread-safe and reads each channel's load and health once or twice per pick.
 *
 * <ul>
 *   <li>{@link #pick}: the less loaded of two channels drawn at random (power of two choices), load
 *       being calls in flight; healthy before unhealthy; on equal load the first draw, which
 *       favours no index. When both draws are unhealthy, the least loaded healthy channel; when
 *       none is healthy, the least loaded of all (fail-open). When the choice is {@linkplain
 *       #isFull full}, the least loaded healthy channel (a lock-free scan for room).
 *   <li>{@link #byAffinity}: rendezvous hashing of a key over the channels' ids, healthy first.
 * </ul>
 */
final class Picker {
  private final int callsPerChannel;

  /**
   * @param callsPerChannel the calls in flight at which a channel counts as full
   */
  Picker(int callsPerChannel) {
    this.callsPerChannel = callsPerChannel;
  }

  /** Returns whether {@code channel} carries the threshold or more: the pool may grow. */
  boolean isFull(PooledChannel channel) {
    return channel.inFlight() >= callsPerChannel;
  }

  /**
   * Returns the channel for a call without an affinity key (see the class documentation), or null
   * if there are no channels. A full result means every healthy channel is full.
   */
  PooledChannel pick(PooledChannel[] channels) {
    int n = channels.length;
    if (n == 0) {
      return null;
    }
    PooledChannel best;
    if (n == 1) {
      best = channels[0];
    } else {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int i = random.nextInt(n);
      int j = random.nextInt(n - 1);
      if (j >= i) {
        j++;
      }
      best = lessLoaded(channels[i], channels[j]);
    }
    if (!best.isHealthy()) {
      PooledChannel healthy = leastLoaded(channels, true);
      best = healthy != null ? healthy : leastLoaded(channels, false); // fail-open
    }
    if (n > 1 && isFull(best)) {
      // Both draws are full: scan for room without a lock.
      PooledChannel roomiest = leastLoaded(channels, true);
      if (roomiest != null) {
        best = roomiest;
      }
    }
    return best;
  }

  /** The healthier, then the less loaded; {@code a} on a tie (a random draw, so no bias). */
  static PooledChannel lessLoaded(PooledChannel a, PooledChannel b) {
    boolean healthyA = a.isHealthy();
    if (healthyA != b.isHealthy()) {
      return healthyA ? a : b;
    }
    return b.inFlight() < a.inFlight() ? b : a;
  }

  /**
   * Returns the least loaded (healthy, if asked) channel, null if none qualifies; the scan starts
   * at a random index so that ties go to no index in particular.
   */
  static PooledChannel leastLoaded(PooledChannel[] channels, boolean healthyOnly) {
    int n = channels.length;
    if (n == 0) {
      return null;
    }
    int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
    PooledChannel best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (int k = 0; k < n; k++) {
      int index = start + k;
      PooledChannel channel = channels[index < n ? index : index - n];
      if (healthyOnly && !channel.isHealthy()) {
        continue;
      }
      int load = channel.inFlight();
      if (best == null || load < bestLoad) {
        best = channel;
        bestLoad = load;
      }
    }
    return best;
  }

  /**
   * Returns the channel for calls with this affinity key: the one with the highest rendezvous
   * weight among the healthy channels, or among all when none is healthy; null if there are none.
   * Growth moves only the keys the new channel wins.
   */
  static PooledChannel byAffinity(PooledChannel[] channels, Object key) {
    if (channels.length == 0) {
      return null;
    }
    long keyHash = key.hashCode() * 0x9E3779B97F4A7C15L;
    // One pass: the best healthy channel, and the best of all for when none is healthy.
    PooledChannel bestHealthy = null;
    long bestHealthyWeight = 0;
    PooledChannel best = null;
    long bestWeight = 0;
    for (PooledChannel channel : channels) {
      long weight = mix(keyHash ^ channel.id);
      if (best == null || Long.compareUnsigned(weight, bestWeight) > 0) {
        best = channel;
        bestWeight = weight;
      }
      if ((bestHealthy == null || Long.compareUnsigned(weight, bestHealthyWeight) > 0)
          && channel.isHealthy()) {
        bestHealthy = channel;
        bestHealthyWeight = weight;
      }
    }
    return bestHealthy != null ? bestHealthy : best;
  }

  /** A 64-bit finalizer (SplitMix64): spreads rendezvous weights evenly. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
