package io.switchboard.msgpack;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Fixes the wire shape of a record or POJO, whatever the marshaller's {@linkplain
 * MessagePackSettings#defaultShape() default shape}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface MessagePackShape {
  /** The shape of this type on the wire. */
  WireShape value();
}
