/** A runnable demo of Switchboard on embedded loopback servers. */
package io.switchboard.examples;
