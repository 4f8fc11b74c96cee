package io.switchboard.msgpack;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares the wire index of a field, record component, enum constant or subtype.
 *
 * <ul>
 *   <li>On a record component or POJO field: the field's position in the {@link WireShape#ARRAY
 *       array} shape. Record components without it take their declaration position; either all
 *       components of a record carry it or none. POJO fields written in the array shape must carry
 *       it (reflection does not promise field order). Indices are append-only: never reuse the
 *       index of a removed field.
 *   <li>On an enum constant: the integer written for it (otherwise its ordinal); either all
 *       constants carry it or none.
 *   <li>On a record or class that a sealed interface or class permits: its type index in the {@code
 *       [typeIndex, value]} pair. Every permitted subtype must carry it.
 * </ul>
 *
 * <p>Indices are from 0 to 4096 (in the array shape every gap below the highest index costs a nil
 * byte) and unique within their type; a marshaller is not made for a type that breaks this.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.TYPE})
public @interface MessagePackIndex {
  /** The index, from 0 to 4096. */
  int value();
}
