package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoutesFileTest {
  @Test
  void parsesRoutesWithOptionsAndComments() {
    List<Route> routes =
        RoutesFile.parse(
            List.of(
                "# name  services  target  options",
                "",
                "users  demo.UserService,demo.AccountService  127.0.0.1:7001  plaintext",
                "logs   demo.logs.*   127.0.0.1:7002  plaintext maxTimeout=PT10M  # streams",
                "rest   *  dns:///fallback:443  maxMessageBytes=1048576 defaultTimeout=PT30S"));

    assertThat(routes).extracting(Route::name).containsExactly("users", "logs", "rest");
    assertThat(routes.get(0).services()).containsExactly("demo.UserService", "demo.AccountService");
    assertThat(routes.get(0).plaintext()).isTrue();
    assertThat(routes.get(1).maxTimeout()).contains(Duration.ofMinutes(10));
    assertThat(routes.get(2).plaintext()).isFalse();
    assertThat(routes.get(2).maxMessageBytes()).isEqualTo(1_048_576);
    assertThat(routes.get(2).defaultTimeout()).contains(Duration.ofSeconds(30));
  }

  @Test
  void namesTheBadLine() {
    assertThatThrownBy(() -> RoutesFile.parse(List.of("ok a.B x:1", "bad a.B")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("routes file line 2: 2 fields");
    assertThatThrownBy(() -> RoutesFile.parse(List.of("r a.B x:1 maxTimeout=10s")))
        .hasMessageContaining("maxTimeout: '10s' (expected: an ISO-8601 duration");
    assertThatThrownBy(() -> RoutesFile.parse(List.of("r a.B x:1 gzip")))
        .hasMessageContaining("option 'gzip'");
    assertThatThrownBy(() -> RoutesFile.parse(List.of("# nothing")))
        .hasMessageContaining("no route");
  }

  @Test
  void commandLineBuildsAGateway(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("routes.txt");
    Files.writeString(file, "users demo.UserService 127.0.0.1:7001 plaintext\n");

    Gateway gateway =
        GatewayMain.configure(new String[] {file.toString(), "--port", "0"}, "t").build();
    try {
      assertThat(gateway.routes()).extracting(Route::name).containsExactly("users");
    } finally {
      gateway.close();
    }
    assertThatThrownBy(
            () -> GatewayMain.configure(new String[] {file.toString(), "--x", "1"}, null))
        .hasMessageContaining("unknown option --x");
  }
}
