package io.switchboard.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS of the gateway's listener, from PEM files: the certificate chain and its private key
 * (PKCS#8), and optionally the CA that client certificates must chain to (mutual TLS). ALPN offers
 * {@code h2} and {@code http/1.1}, so browsers and gRPC clients get HTTP/2 and others HTTP/1.1 on
 * the same port. The files are read again when they change (checked every {@link
 * Builder#reloadInterval}): new connections get the new certificate, open ones keep theirs, so a
 * renewal drops nothing. A change that cannot be read (a half-written file) is logged and the last
 * good files stay in use. Immutable.
 *
 * <pre>{@code
 * Gateway.builder().tls(ServerTls.newBuilder(Path.of("tls.crt"), Path.of("tls.key"))
 *     .clientCertificates(ServerTls.ClientCertificates.REQUIRED, Path.of("clients-ca.crt"))
 *     .build())
 * }</pre>
 */
public final class ServerTls {
  /** Whether clients must present a certificate. */
  public enum ClientCertificates {
    /** None asked for: one-way TLS. */
    NONE,
    /** Asked for and verified if given; calls without one reach the authenticator without it. */
    OPTIONAL,
    /** Required: a client without a valid certificate fails the TLS handshake. */
    REQUIRED
  }

  /**
   * How often the files are checked for a change: 10 s, so a renewed certificate is served within
   * seconds while the check (two file stats) costs nothing measurable.
   */
  public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);

  private final Path certificateChain;
  private final Path privateKey;
  private final ClientCertificates clientCertificates;
  private final Path clientCa;
  private final Duration reloadInterval;

  private ServerTls(Builder b) {
    this.certificateChain = b.certificateChain;
    this.privateKey = b.privateKey;
    this.clientCertificates = b.clientCertificates;
    this.clientCa = b.clientCa;
    this.reloadInterval = b.reloadInterval;
  }

  /**
   * Starts TLS settings from a PEM certificate chain (leaf first) and its PEM private key.
   *
   * @throws NullPointerException if a path is null
   */
  public static Builder newBuilder(Path certificateChain, Path privateKey) {
    return new Builder(certificateChain, privateKey);
  }

  /** Returns the PEM certificate chain served (leaf first). */
  public Path certificateChain() {
    return certificateChain;
  }

  /** Returns the PEM (PKCS#8) private key of the certificate. */
  public Path privateKey() {
    return privateKey;
  }

  /** Returns whether clients are asked for certificates. */
  public ClientCertificates clientCertificates() {
    return clientCertificates;
  }

  /** Returns the CA client certificates must chain to, if clients are asked for one. */
  public Optional<Path> clientCa() {
    return Optional.ofNullable(clientCa);
  }

  /** Returns how often the files are checked for a change. */
  public Duration reloadInterval() {
    return reloadInterval;
  }

  /** Returns a builder with these settings. */
  public Builder toBuilder() {
    Builder b = new Builder(certificateChain, privateKey);
    b.clientCertificates = clientCertificates;
    b.clientCa = clientCa;
    b.reloadInterval = reloadInterval;
    return b;
  }

  @Override
  public String toString() {
    return "ServerTls{" + certificateChain + ", clients " + clientCertificates + "}";
  }

  /** Builds {@link ServerTls}; each setter checks its argument at once. Not thread-safe. */
  public static final class Builder {
    private final Path certificateChain;
    private final Path privateKey;
    private ClientCertificates clientCertificates = ClientCertificates.NONE;
    private Path clientCa;
    private Duration reloadInterval = DEFAULT_RELOAD_INTERVAL;

    private Builder(Path certificateChain, Path privateKey) {
      this.certificateChain = Objects.requireNonNull(certificateChain, "certificateChain");
      this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
    }

    /**
     * Asks clients for certificates chaining to the PEM CA bundle {@code ca}: {@code REQUIRED}
     * refuses a client without one at the handshake; the verified certificate reaches the {@link
     * Authenticator} as {@link Authenticator.Caller#certificate()}.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException for {@code NONE} (use the default instead)
     */
    public Builder clientCertificates(ClientCertificates mode, Path ca) {
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(ca, "ca");
      if (mode == ClientCertificates.NONE) {
        throw new IllegalArgumentException("mode: NONE (expected: OPTIONAL or REQUIRED with a CA)");
      }
      this.clientCertificates = mode;
      this.clientCa = ca;
      return this;
    }

    /**
     * Sets how often the files are checked for a change. Default 10 s.
     *
     * @throws IllegalArgumentException if under 100 ms
     */
    public Builder reloadInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.toMillis() < 100) {
        throw new IllegalArgumentException(
            "reloadInterval: " + interval + " (expected: >= PT0.1S)");
      }
      this.reloadInterval = interval;
      return this;
    }

    /**
     * Builds the settings; the files are read when the gateway starts.
     *
     * @throws IllegalStateException if a file does not exist
     */
    public ServerTls build() {
      for (Path file : new Path[] {certificateChain, privateKey, clientCa}) {
        if (file != null && !Files.isReadable(file)) {
          throw new IllegalStateException("tls: cannot read " + file + " (expected: a PEM file)");
        }
      }
      return new ServerTls(this);
    }
  }
}
