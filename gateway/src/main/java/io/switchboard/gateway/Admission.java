package io.switchboard.gateway;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the user's {@link Authenticator}, failing closed when it throws or returns null. */
final class Admission {
  private static final Logger log = LoggerFactory.getLogger(Admission.class);

  /** The listener of a call closed at once: ignores whatever else arrives. */
  static final ServerCall.Listener<InputStream> IGNORE = new ServerCall.Listener<>() {};

  private final Authenticator authenticator;

  /**
   * @param authenticator the hook, or null to admit every call
   */
  Admission(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  /** Returns null to admit the call, else the status to close it with. */
  Status check(String fullMethodName, Metadata headers) {
    if (authenticator == null) {
      return null;
    }
    Status status;
    try {
      status = authenticator.authenticate(fullMethodName, headers);
    } catch (RuntimeException e) {
      log.warn("authenticator failed on {}; the call is refused", fullMethodName, e);
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
}
