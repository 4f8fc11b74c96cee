package io.switchboard.examples;

import java.io.PrintStream;
import java.util.Locale;

/** Prints the demo for a person: sections, steps, outcomes and small tables. */
public final class Console {
  private final PrintStream out;
  private final boolean interactive;
  private int lastQuarter = -1;

  /** Prints to {@code out}; progress bars redraw in place only when a terminal is attached. */
  public Console(PrintStream out) {
    this.out = out;
    this.interactive = System.console() != null;
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

  /**
   * Prints a progress bar. On a terminal it is redrawn in place on one line; otherwise (a pipe, a
   * CI log, Maven's exec) a line is printed at each quarter, so the log stays readable.
   */
  public void progress(String label, long done, long total) {
    int quarter = total == 0 ? 4 : (int) (4 * Math.min(done, total) / total);
    if (!interactive) {
      if (quarter > lastQuarter) {
        lastQuarter = quarter;
        out.println(bar(label, done, total));
      }
      if (done >= total) {
        lastQuarter = -1;
      }
      return;
    }
    out.print("\r" + bar(label, done, total));
    if (done >= total) {
      out.println();
    }
    out.flush();
  }

  private static String bar(String label, long done, long total) {
    int width = 30;
    int filled = total == 0 ? width : (int) (width * Math.min(done, total) / total);
    return String.format(
        Locale.ROOT,
        "   %-10s [%s%s] %,d/%,d",
        label,
        "█".repeat(filled),
        "·".repeat(width - filled),
        done,
        total);
  }

  /** The underlying stream. */
  public PrintStream stream() {
    return out;
  }
}
