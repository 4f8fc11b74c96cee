package io.switchboard.stream.kafka;

/** The test JVM's own classpath, for the child JVMs the tests start. */
final class TestClasspath {
  private TestClasspath() {}

  /** Surefire's test classpath (its forked JVM may see only a manifest jar as java.class.path). */
  static String get() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }
}
