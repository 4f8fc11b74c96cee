package io.switchboard.examples;

import io.switchboard.examples.users.UserRepository;
import io.switchboard.pool.ChannelPool;

/**
 * What every demo section gets: the console, the running user server's target on loopback, the
 * channel pool to it and its repository. A section starts and stops whatever else it needs itself.
 */
public record DemoContext(
    Console out, String usersTarget, ChannelPool usersChannel, UserRepository users) {}
