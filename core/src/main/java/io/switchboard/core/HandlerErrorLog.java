package io.switchboard.core;

import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place a handler failure is logged on the server. */
final class HandlerErrorLog {
  private static final Logger logger = LoggerFactory.getLogger(ServiceBinder.class);

  private HandlerErrorLog() {}

  /** A failure that ended a call the client had already cancelled: DEBUG, nobody is listening. */
  static void logAfterCancel(String fullMethodName, Throwable failure) {
    if (logger.isDebugEnabled()) {
      logger.debug("{} ended after the client cancelled it", fullMethodName, failure);
    }
  }

  static void log(String fullMethodName, Status status, Throwable failure) {
    switch (status.getCode()) {
      case INTERNAL, UNKNOWN, DATA_LOSS ->
          logger.warn(
              "{} failed: {} {}",
              fullMethodName,
              status.getCode(),
              status.getDescription(),
              failure);
      default -> {
        if (logger.isDebugEnabled()) {
          logger.debug(
              "{} failed: {} {}",
              fullMethodName,
              status.getCode(),
              status.getDescription(),
              failure);
        }
      }
    }
  }
}
