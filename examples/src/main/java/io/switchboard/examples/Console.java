package io.switchboard.examples;

import java.io.PrintStream;
import java.util.Locale;

/** Prints the demo for a person: sections, steps, outcomes and small tables. */
public final class Console {
  private final PrintStream out;

  public Console(PrintStream out) {
    this.out = out;
  }

  /** A title box for the whole demo. */
  public void banner(String title) {
    String line = "═".repeat(title.length() + 4);
    out.println("╔" + line + "╗");
    out.println("║  " + title + "  ║");
    out.println("╚" + line + "╝");
  }

  /** Starts a numbered section. */
  public void section(String title) {
    out.println();
    out.println("── " + title + " " + "─".repeat(Math.max(3, 72 - title.length())));
  }

  /** A line of narration. */
  public void say(String format, Object... args) {
    out.println("   " + String.format(Locale.ROOT, format, args));
  }

  /** Something that went as it should. */
  public void ok(String format, Object... args) {
    out.println(" ✔ " + String.format(Locale.ROOT, format, args));
  }

  /** A failure that the demo shows on purpose (an expected error status). */
  public void expected(String format, Object... args) {
    out.println(" ✘ " + String.format(Locale.ROOT, format, args));
  }

  /** A key and its value, aligned. */
  public void field(String key, Object value) {
    out.printf(Locale.ROOT, "     %-22s %s%n", key, value);
  }

  /** Prints a progress bar on one line, redrawn in place; ends the line when done == total. */
  public void progress(String label, long done, long total) {
    int width = 30;
    int filled = total == 0 ? width : (int) (width * done / total);
    out.printf(
        Locale.ROOT,
        "\r   %-10s [%s%s] %,d/%,d",
        label,
        "█".repeat(filled),
        "·".repeat(width - filled),
        done,
        total);
    if (done >= total) {
      out.println();
    }
    out.flush();
  }

  /** The underlying stream. */
  public PrintStream stream() {
    return out;
  }
}
