package io.switchboard.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made by a test (Bouncy Castle, EC P-256), issuing server and client
 * certificates for 127.0.0.1 and localhost as PEM files in a folder the test owns.
 */
final class TestPki {
  /** An issued certificate and its key, as PEM files. */
  record Issued(Path certificate, Path privateKey, X509Certificate x509) {
    /** The base64 SHA-256 of the certificate's public key (SPKI), as Chromium pins it. */
    String spkiSha256() {
      try {
        byte[] digest =
            MessageDigest.getInstance("SHA-256").digest(x509.getPublicKey().getEncoded());
        return Base64.getEncoder().encodeToString(digest);
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final Path dir;
  private final String name;
  private final KeyPair keys;
  private final X509Certificate certificate;
  private final Path certificateFile;

  private TestPki(Path dir, String name) throws Exception {
    this.dir = dir;
    this.name = name;
    this.keys = newKeys();
    X500Name subject = new X500Name("CN=" + name);
    X509v3CertificateBuilder builder = builder(subject, subject, keys);
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    builder.addExtension(
        Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    builder.addExtension(
        Extension.subjectKeyIdentifier,
        false,
        new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
    this.certificate = sign(builder, keys);
    this.certificateFile = dir.resolve(name + "-ca.pem");
    writePem(certificateFile, certificate);
  }

  /** Makes a CA named {@code name} whose files go to {@code dir}. */
  static TestPki create(Path dir, String name) {
    try {
      return new TestPki(dir, name);
    } catch (Exception e) {
      throw new IllegalStateException("test CA " + name + ": " + e, e);
    }
  }

  /** The CA's certificate (PEM), what peers trust. */
  Path caCertificate() {
    return certificateFile;
  }

  /** Issues a certificate for {@code cn}, valid for 127.0.0.1 and localhost, server and client. */
  Issued issue(String cn) {
    return issue(cn, cn);
  }

  /** Issues a certificate into files named {@code fileName}.crt/.key (replaced atomically). */
  Issued issue(String cn, String fileName) {
    try {
      KeyPair leafKeys = newKeys();
      X509v3CertificateBuilder builder =
          builder(new X500Name("CN=" + name), new X500Name("CN=" + cn), leafKeys);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(
                    GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress())
              }));
      builder.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
      X509Certificate leaf = sign(builder, keys);
      Path cert = dir.resolve(fileName + ".crt");
      Path key = dir.resolve(fileName + ".key");
      writePem(key, new JcaPKCS8Generator(leafKeys.getPrivate(), null));
      writePem(cert, leaf);
      return new Issued(cert, key, leaf);
    } catch (Exception e) {
      throw new IllegalStateException("test CA " + name + " issuing " + cn + ": " + e, e);
    }
  }

  private static KeyPair newKeys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(2))),
        subject,
        keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer)
      throws Exception {
    ContentSigner signer =
        new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate());
    return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
  }

  /**
   * Writes a PEM object through a temporary file and a move, so a reloading reader never sees half.
   */
  private static void writePem(Path file, Object object) {
    try {
      Path temporary =
          Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
      try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.US_ASCII);
          JcaPEMWriter pem = new JcaPEMWriter(out)) {
        pem.writeObject(object);
      }
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
