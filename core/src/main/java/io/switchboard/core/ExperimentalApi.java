package io.switchboard.core;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a public API that may change or go away in a minor release, while its design is being
 * proven by use. Code that depends on it should expect to adapt when upgrading.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({
  ElementType.TYPE,
  ElementType.METHOD,
  ElementType.CONSTRUCTOR,
  ElementType.FIELD,
  ElementType.PACKAGE
})
public @interface ExperimentalApi {
  /** Why the API is experimental, or a link to the issue that tracks it. */
  String value() default "";
}
