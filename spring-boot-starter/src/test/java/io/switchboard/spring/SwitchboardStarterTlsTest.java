package io.switchboard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ServerServiceDefinition;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.testing.TestMarshallers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * TLS from a Spring Boot SSL bundle: Spring gRPC's server presents a certificate made for this run
 * (by the JDK's keytool) for the name "localhost" only; the pooled client trusts it through a PEM
 * bundle and checks it against that name while connecting to 127.0.0.1. A client that trusts only
 * the JVM's default authorities is refused.
 */
@SpringBootTest(
    classes = SwitchboardStarterTlsTest.App.class,
    properties = {
      "spring.grpc.server.address=127.0.0.1",
      "spring.grpc.server.port=0",
      "spring.grpc.server.ssl.bundle=server",
      "switchboard.pool.clients.secure.target=127.0.0.1:${local.grpc.server.port}",
      "switchboard.pool.clients.secure.tls.bundle=client",
      "switchboard.pool.clients.secure.tls.authority=localhost",
      "switchboard.pool.clients.untrusted.target=127.0.0.1:${local.grpc.server.port}",
      "switchboard.pool.clients.untrusted.tls.authority=localhost",
    })
class SwitchboardStarterTlsTest {
  static final ServiceSpec ECHO = ServiceSpec.named("test.TlsEcho");
  static final MethodSpec<String, String> UPPER =
      ECHO.unary("Upper", TestMarshallers.utf8(), TestMarshallers.utf8());

  @TempDir static Path certificates;

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {
    @Bean
    ServerServiceDefinition echoService() {
      return ServiceBinder.forService(ECHO).unary(UPPER, String::toUpperCase).build();
    }
  }

  @DynamicPropertySource
  static void sslBundles(DynamicPropertyRegistry registry) throws Exception {
    Path keyStore = certificates.resolve("server.p12");
    Path certificate = certificates.resolve("server.pem");
    keytool(
        "-genkeypair",
        "-alias",
        "server",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=dns:localhost",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        keyStore.toString(),
        "-storepass",
        "changeit");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "server",
        "-keystore",
        keyStore.toString(),
        "-storepass",
        "changeit",
        "-file",
        certificate.toString());
    registry.add("spring.ssl.bundle.jks.server.keystore.location", () -> "file:" + keyStore);
    registry.add("spring.ssl.bundle.jks.server.keystore.password", () -> "changeit");
    registry.add("spring.ssl.bundle.jks.server.keystore.type", () -> "PKCS12");
    registry.add(
        "spring.ssl.bundle.pem.client.truststore.certificate", () -> "file:" + certificate);
  }

  private static void keytool(String... args) throws Exception {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    assertThat(keytool).as("the JDK's keytool").isExecutable();
    List<String> command = new java.util.ArrayList<>(List.of(keytool.toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes());
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
      assertThat(process.exitValue()).as("keytool: " + output).isZero();
    } finally {
      process.destroyForcibly();
    }
    assertThat(Files.exists(certificates)).isTrue();
  }

  @Autowired ChannelPools pools;

  @Test
  void clientTrustsTheServerThroughItsBundleAndChecksTheAuthority() throws Exception {
    RpcClient secure = RpcClient.create(pools.get("secure")).withTimeout(Duration.ofSeconds(10));
    assertThat(secure.unary(UPPER, "over tls").get(10, TimeUnit.SECONDS)).isEqualTo("OVER TLS");
    assertThat(pools.get("secure").authority()).isEqualTo("localhost");

    RpcClient untrusted =
        RpcClient.create(pools.get("untrusted")).withTimeout(Duration.ofSeconds(10));
    assertThat(untrusted.unary(UPPER, "refused"))
        .failsWithin(Duration.ofSeconds(15))
        .withThrowableOfType(ExecutionException.class)
        .withMessageContaining("UNAVAILABLE");
    assertThat(pools.get("untrusted").stats().callsFailed()).isEqualTo(1);
  }
}
