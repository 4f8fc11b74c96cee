package io.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.testing.GrpcExtension;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and mutual TLS: a server presenting a certificate made for this run (by the JDK's keytool)
 * for 127.0.0.1 and requiring a client certificate; the CLI trusts it through {@code --cacert} and
 * presents its own with {@code --cert}/{@code --key}.
 */
class TlsTest {
  @TempDir static Path certs;

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  @BeforeAll
  static void makeCertificates() throws Exception {
    keyPair("server", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1");
    keyPair("client", "CN=switchboard-cli-test", null);
  }

  private String start() throws Exception {
    SslContext tls =
        GrpcSslContexts.forServer(
                certs.resolve("server.pem").toFile(), certs.resolve("server.key").toFile())
            .trustManager(certs.resolve("client.pem").toFile())
            .clientAuth(ClientAuth.REQUIRE)
            .build();
    return grpc.nettyServer(
            builder -> builder.sslContext(tls),
            new CalcService().definition(),
            SchemaReflection.newService())
        .target();
  }

  private static String file(String name) {
    return certs.resolve(name).toString();
  }

  @Test
  void mutualTlsCallSucceeds() throws Exception {
    String target = start();
    CliRun r =
        CliRun.run(
            "call",
            target,
            "test.Calc/Get",
            "{\"id\": 1}",
            "--cacert",
            file("server.pem"),
            "--cert",
            file("client.pem"),
            "--key",
            file("client.key"));
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).startsWith("{\"id\":1,\"name\":\"item-1\"");
  }

  @Test
  void untrustedServerOrMissingClientCertificateIsUnavailable() throws Exception {
    String target = start();
    CliRun untrusted =
        CliRun.run("list", target, "--cert", file("client.pem"), "--key", file("client.key"));
    assertThat(untrusted.exit()).as(untrusted.toString()).isEqualTo(64 + 14);

    CliRun anonymous = CliRun.run("list", target, "--cacert", file("server.pem"));
    assertThat(anonymous.exit()).as(anonymous.toString()).isEqualTo(64 + 14);

    CliRun plaintext = CliRun.run("list", "--plaintext", target);
    assertThat(plaintext.exit()).as(plaintext.toString()).isEqualTo(64 + 14);
  }

  @Test
  void tlsOptionErrorsAreUsageErrors() {
    CliRun certWithoutKey = CliRun.run("list", "127.0.0.1:1", "--cert", file("client.pem"));
    assertThat(certWithoutKey.exit()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(certWithoutKey.err()).contains("--cert and --key go together");

    CliRun missingCa = CliRun.run("list", "127.0.0.1:1", "--cacert", file("absent.pem"));
    assertThat(missingCa.exit()).isEqualTo(SwitchboardCli.USAGE);
    assertThat(missingCa.err()).contains("--cacert").contains("absent.pem").contains("cannot read");
  }

  /** Makes a key pair and self-signed certificate, written as PEM: NAME.pem and NAME.key. */
  private static void keyPair(String name, String dname, String san) throws Exception {
    Path store = certs.resolve(name + ".p12");
    List<String> args =
        new ArrayList<>(
            List.of(
                "-genkeypair",
                "-alias",
                name,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                dname,
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit"));
    if (san != null) {
      args.addAll(List.of("-ext", san));
    }
    keytool(args);
    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(store.toFile())) {
      keyStore.load(in, "changeit".toCharArray());
    }
    byte[] key = keyStore.getKey(name, "changeit".toCharArray()).getEncoded(); // PKCS#8
    byte[] cert = keyStore.getCertificate(name).getEncoded();
    Files.writeString(certs.resolve(name + ".key"), pem("PRIVATE KEY", key));
    Files.writeString(certs.resolve(name + ".pem"), pem("CERTIFICATE", cert));
  }

  private static String pem(String type, byte[] der) {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }

  private static void keytool(List<String> args) throws Exception {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    assertThat(keytool).as("the JDK's keytool").isExecutable();
    List<String> command = new ArrayList<>(List.of(keytool.toString()));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
      assertThat(process.exitValue()).as("keytool: " + output).isZero();
    } finally {
      process.destroyForcibly();
    }
  }
}
