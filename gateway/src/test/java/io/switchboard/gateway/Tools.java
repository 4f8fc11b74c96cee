package io.switchboard.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Checks for the external programs the real-client tests drive (curl, node, chromium). Missing
 * locally: the test is aborted with a loud reason on stderr. Missing on CI ({@code CI=true}): the
 * test fails, because {@code .ci/run} installs them.
 */
final class Tools {
  private Tools() {}

  static void require(String path, String name) {
    if (Files.isExecutable(Path.of(path))) {
      return;
    }
    String reason =
        "*** "
            + name
            + " is not installed ("
            + path
            + "): this real-client test"
            + " cannot run here; .ci/run installs it (apt-get install "
            + name
            + ") ***";
    if ("true".equals(System.getenv("CI"))) {
      throw new AssertionError(reason);
    }
    System.err.println(reason);
    Assumptions.abort(reason);
  }
}
