package io.switchboard.gateway;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.InputStream;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the user's {@link Authenticator}, failing closed when it throws (an exception or an {@link
 * Error}, alike) or returns null, and refusing a call with more than one {@code authorization}
 * header before any authenticator sees it.
 */
final class Admission {
  private static final Logger log = LoggerFactory.getLogger(Admission.class);

  /** The listener of a call closed at once: ignores whatever else arrives. */
  static final ServerCall.Listener<InputStream> IGNORE = new ServerCall.Listener<>() {};

  /** While the authenticator keeps throwing, a warning (without stack trace) at most this often. */
  static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Authenticator authenticator;
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong failuresLogged = new AtomicLong();
  private final AtomicLong nextFailureLogNanos = new AtomicLong();
  private final AtomicLong warnings = new AtomicLong();

  /**
   * @param authenticator the hook, or null to admit every call
   */
  Admission(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  /** Returns null to admit the call, else the status to close it with. */
  Status check(String fullMethodName, Metadata headers) {
    return check(fullMethodName, headers, null);
  }

  /**
   * Returns null to admit the call, else the status to close it with.
   *
   * @param call the call, whose transport attributes tell who the caller is; null if unknown
   */
  Status check(String fullMethodName, Metadata headers, ServerCall<?, ?> call, Protocol protocol) {
    Status ambiguous = ambiguousCredentials(headers);
    if (ambiguous != null) {
      return ambiguous;
    }
    if (authenticator == null) {
      return null;
    }
    return check(fullMethodName, headers, caller(call, protocol));
  }

  private Status check(String fullMethodName, Metadata headers, Authenticator.Caller caller) {
    Status ambiguous = ambiguousCredentials(headers);
    if (ambiguous != null) {
      return ambiguous;
    }
    if (authenticator == null) {
      return null;
    }
    Status status;
    try {
      status =
          caller == null
              ? authenticator.authenticate(fullMethodName, headers)
              : authenticator.authenticate(fullMethodName, headers, caller);
    } catch (Throwable e) {
      // Fail closed on anything the hook throws: an AssertionError or a NoClassDefFoundError in it
      // is refused and logged (throttled) exactly like an exception, never a stack trace per call.
      logFailure(fullMethodName, e);
      return Status.UNAUTHENTICATED.withDescription(
          "the gateway could not check the call's credentials (authenticator failed)");
    }
    if (status == null) {
      log.warn("authenticator returned null for {}; the call is refused", fullMethodName);
      return Status.UNAUTHENTICATED.withDescription(
          "the gateway could not check the call's credentials (authenticator returned null)");
    }
    return status.isOk() ? null : status;
  }

  /**
   * Returns UNAUTHENTICATED if the call carries more than one {@code authorization} header: which
   * one counts would be up to whoever reads them (grpc's {@code Metadata.get} takes the last, a
   * backend may take the first), so the gateway takes neither. Else null.
   */
  static Status ambiguousCredentials(Metadata headers) {
    Iterable<String> values = headers.getAll(Authenticator.AUTHORIZATION);
    if (values == null) {
      return null;
    }
    int count = 0;
    for (String ignored : values) {
      count++;
    }
    return count <= 1
        ? null
        : Status.UNAUTHENTICATED.withDescription(
            count + " 'authorization' headers (expected: at most one); the call is refused");
  }

  /** Returns the caller of a call from its transport attributes. */
  static Authenticator.Caller caller(ServerCall<?, ?> call, Protocol protocol) {
    Attributes attributes = call.getAttributes();
    SocketAddress remote = attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    SSLSession session = attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    List<X509Certificate> certificates = new ArrayList<>();
    if (session != null) {
      try {
        for (Certificate certificate : session.getPeerCertificates()) {
          if (certificate instanceof X509Certificate x509) {
            certificates.add(x509);
          }
        }
      } catch (SSLPeerUnverifiedException e) {
        // No client certificate: an empty chain.
      }
    }
    return new Authenticator.Caller(protocol, remote, certificates);
  }

  /** Returns how many times the authenticator has thrown. */
  long authenticatorFailures() {
    return failures.get();
  }

  /** Returns how many warnings about authenticator failures were logged (the throttle's count). */
  long failureWarnings() {
    return warnings.get();
  }

  /**
   * Logs an authenticator failure without flooding the log when it fails on every call: the first
   * with its stack trace, then at most one warning per {@link #FAILURE_LOG_INTERVAL_NANOS} with the
   * count since the last one; every failure is counted.
   */
  private void logFailure(String fullMethodName, Throwable e) {
    long total = failures.incrementAndGet();
    long now = System.nanoTime();
    long next = nextFailureLogNanos.get();
    if (total == 1) {
      nextFailureLogNanos.set(now + FAILURE_LOG_INTERVAL_NANOS);
      failuresLogged.set(1);
      warnings.incrementAndGet();
      log.warn("authenticator failed on {}; the call is refused", fullMethodName, e);
    } else if (now - next >= 0
        && nextFailureLogNanos.compareAndSet(next, now + FAILURE_LOG_INTERVAL_NANOS)) {
      long since = total - failuresLogged.getAndSet(total);
      warnings.incrementAndGet();
      log.warn(
          "authenticator failed {} more times (last on {}: {}); the calls were refused",
          since,
          fullMethodName,
          e.toString());
    } else {
      log.debug("authenticator failed on {}; the call is refused", fullMethodName, e);
    }
  }
}
