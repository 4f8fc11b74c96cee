package io.switchboard.examples;

import io.grpc.ManagedChannel;
import io.switchboard.examples.users.UserRepository;

/**
 * What every demo section gets: the console, the running user server's target on loopback, a
 * channel to it and its repository. A section starts and stops whatever else it needs itself.
 */
public record DemoContext(
    Console out, String usersTarget, ManagedChannel usersChannel, UserRepository users) {}
