/**
 * {@code switchboard}, the command-line client of code-first MessagePack services: {@code list},
 * {@code describe}, {@code call} with JSON in and out, and {@code schema} export (JSON Schema,
 * TypeScript), all through the server's schema reflection service. Run it with {@code
 * bin/switchboard} or {@code java -jar switchboard-cli.jar}; embed it with {@link
 * io.switchboard.cli.SwitchboardCli}. The rest of the package is package-private.
 */
package io.switchboard.cli;
