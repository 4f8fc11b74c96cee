package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Node.js clients of {@code src/test/node}: installed with {@code npm ci} from the committed
 * {@code package-lock.json} into {@code target/node} (never into the source tree), then run as
 * processes whose one line of JSON output the test reads.
 */
final class NodeClients {
  private static final Path SOURCES = Path.of("src/test/node");
  private static final Path INSTALL = Path.of("target/node");

  private NodeClients() {}

  /** Installs the clients once per build; aborts (fails on CI) without node and npm. */
  static synchronized Path install() {
    Tools.require("/usr/bin/node", "nodejs");
    Tools.require("/usr/bin/npm", "npm");
    try {
      Files.createDirectories(INSTALL);
      byte[] lock = Files.readAllBytes(SOURCES.resolve("package-lock.json"));
      Path installedLock = INSTALL.resolve("package-lock.json");
      boolean fresh =
          Files.isDirectory(INSTALL.resolve("node_modules"))
              && Files.exists(installedLock)
              && Arrays.equals(lock, Files.readAllBytes(installedLock));
      try (var files = Files.list(SOURCES)) {
        for (Path file : files.toList()) {
          Files.copy(
              file, INSTALL.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      if (!fresh) {
        String output = run(INSTALL, 300, "/usr/bin/npm", "ci", "--no-audit", "--no-fund");
        assertThat(Files.isDirectory(INSTALL.resolve("node_modules")))
            .as("npm ci: %s", output)
            .isTrue();
      }
      return INSTALL.toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code node script args...} in the install folder and returns its last output line. */
  static String node(int maxSeconds, String script, String... args) {
    Path dir = install();
    List<String> command = new ArrayList<>(List.of("/usr/bin/node", script));
    command.addAll(List.of(args));
    String output = run(dir, maxSeconds, command.toArray(String[]::new));
    String[] lines = output.strip().split("\n");
    return lines[lines.length - 1];
  }

  private static String run(Path dir, int maxSeconds, String... command) {
    try {
      Process process =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      try {
        byte[][] output = new byte[1][];
        Thread reader =
            new Thread(
                () -> {
                  try {
                    output[0] = process.getInputStream().readAllBytes();
                  } catch (IOException e) {
                    output[0] = ("reading output failed: " + e).getBytes(StandardCharsets.UTF_8);
                  }
                });
        reader.start();
        boolean done = process.waitFor(maxSeconds, TimeUnit.SECONDS);
        if (!done) {
          process.destroyForcibly();
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        String text = output[0] == null ? "" : new String(output[0], StandardCharsets.UTF_8);
        assertThat(done)
            .as("%s finished within %d s; output:%n%s", command[0], maxSeconds, text)
            .isTrue();
        assertThat(process.exitValue())
            .as("exit of %s; output:%n%s", String.join(" ", command), text)
            .isZero();
        return text;
      } finally {
        process.destroyForcibly();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
