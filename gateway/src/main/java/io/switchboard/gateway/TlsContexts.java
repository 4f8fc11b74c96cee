package io.switchboard.gateway;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes Netty {@link SslContext}s from PEM files: the listener's (ALPN h2 and http/1.1, HTTP/2's
 * cipher suites), reloaded when its files change, and the backends' (through grpc's own {@link
 * GrpcSslContexts}).
 */
final class TlsContexts implements Supplier<SslContext> {
  private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);

  private final ServerTls settings;
  private volatile SslContext current;
  private List<Object> fingerprint;

  /**
   * @throws UncheckedIOException if the files cannot be read as a certificate and key
   */
  TlsContexts(ServerTls settings) {
    this.settings = settings;
    this.fingerprint = fingerprint();
    try {
      this.current = build(settings);
    } catch (SSLException | RuntimeException e) {
      throw new UncheckedIOException(new IOException("tls: cannot use " + settings + ": " + e, e));
    }
  }

  @Override
  public SslContext get() {
    return current;
  }

  /** Reads the files again if they changed; keeps the last good context if they cannot be used. */
  synchronized boolean reloadIfChanged() {
    List<Object> now = fingerprint();
    if (now.equals(fingerprint)) {
      return false;
    }
    try {
      current = build(settings);
      fingerprint = now;
      log.info("gateway TLS: reloaded {}", settings.certificateChain());
      return true;
    } catch (SSLException | RuntimeException e) {
      log.warn(
          "gateway TLS: {} changed but cannot be used ({}); serving the previous certificate",
          settings.certificateChain(),
          e.toString());
      return false;
    }
  }

  private List<Object> fingerprint() {
    List<Object> parts = new ArrayList<>();
    for (Path file :
        new Path[] {
          settings.certificateChain(), settings.privateKey(), settings.clientCa().orElse(null)
        }) {
      if (file == null) {
        continue;
      }
      try {
        FileTime modified = Files.getLastModifiedTime(file);
        parts.add(modified);
        parts.add(Files.size(file));
      } catch (IOException e) {
        parts.add(e.toString());
      }
    }
    return parts;
  }

  static SslContext build(ServerTls tls) throws SSLException {
    SslContextBuilder builder =
        SslContextBuilder.forServer(tls.certificateChain().toFile(), tls.privateKey().toFile())
            .sslProvider(SslProvider.JDK)
            .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
            .applicationProtocolConfig(
                new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2,
                    ApplicationProtocolNames.HTTP_1_1));
    if (tls.clientCa().isPresent()) {
      builder.trustManager(tls.clientCa().get().toFile());
      builder.clientAuth(
          tls.clientCertificates() == ServerTls.ClientCertificates.REQUIRED
              ? ClientAuth.REQUIRE
              : ClientAuth.OPTIONAL);
    }
    return builder.build();
  }

  /**
   * Returns the TLS context of a route's backend channels: its CA (else the JVM's), and its client
   * certificate if it has one.
   *
   * @throws IllegalStateException naming the route if the files cannot be used
   */
  static SslContext forBackend(Route route) {
    try {
      SslContextBuilder builder = GrpcSslContexts.forClient();
      route.trustedCertificates().ifPresent(ca -> builder.trustManager(ca.toFile()));
      if (route.clientCertificateChain().isPresent()) {
        builder.keyManager(
            route.clientCertificateChain().get().toFile(),
            route.clientPrivateKey().orElseThrow().toFile());
      }
      return builder.build();
    } catch (SSLException | RuntimeException e) {
      throw new IllegalStateException(
          "route " + route.name() + ": cannot use its TLS files: " + e, e);
    }
  }
}
