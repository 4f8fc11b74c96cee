package io.switchboard.testing;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A server started by {@link GrpcExtension}, with the means to open channels to it. Channels opened
 * here are registered with the extension and shut down after the test.
 */
public final class TestServer {
  private final Server server;
  private final InetSocketAddress address;
  private final String inProcessName;
  private final Supplier<ManagedChannelBuilder<?>> channelBuilders;
  private final GrpcExtension owner;

  TestServer(
      Server server,
      InetSocketAddress address,
      String inProcessName,
      Supplier<ManagedChannelBuilder<?>> channelBuilders,
      GrpcExtension owner) {
    this.server = server;
    this.address = address;
    this.inProcessName = inProcessName;
    this.channelBuilders = channelBuilders;
    this.owner = owner;
  }

  /** Returns the running server. */
  public Server server() {
    return server;
  }

  /** Returns true for an in-process server, false for a Netty server on a socket. */
  public boolean isInProcess() {
    return inProcessName != null;
  }

  /**
   * Returns the socket address a Netty server listens on.
   *
   * @throws IllegalStateException for an in-process server
   */
  public InetSocketAddress address() {
    if (address == null) {
      throw new IllegalStateException("in-process server " + inProcessName + " has no address");
    }
    return address;
  }

  /**
   * Returns the port a Netty server listens on.
   *
   * @throws IllegalStateException for an in-process server
   */
  public int port() {
    return address().getPort();
  }

  /**
   * Returns the grpc target string of a Netty server, e.g. {@code 127.0.0.1:41234}.
   *
   * @throws IllegalStateException for an in-process server
   */
  public String target() {
    InetSocketAddress a = address();
    String host = a.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /**
   * Returns the name of an in-process server.
   *
   * @throws IllegalStateException for a Netty server
   */
  public String inProcessName() {
    if (inProcessName == null) {
      throw new IllegalStateException("Netty server at " + address + " has no in-process name");
    }
    return inProcessName;
  }

  /**
   * Returns a builder for a plaintext channel to this server. A channel built from it is not
   * registered: pass it to {@link GrpcExtension#register} for cleanup.
   */
  public ManagedChannelBuilder<?> newChannelBuilder() {
    return channelBuilders.get();
  }

  /** Opens a new plaintext channel to this server, shut down after the test. */
  public ManagedChannel newChannel() {
    return owner.register(channelBuilders.get().build());
  }

  @Override
  public String toString() {
    return "TestServer{" + Objects.requireNonNullElse(inProcessName, String.valueOf(address)) + "}";
  }
}
