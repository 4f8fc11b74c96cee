/**
 * Backpressure-aware stream helpers, idle cleanup and catch-up subscriptions (to be built: issue
 * 6).
 */
package io.switchboard.stream;
