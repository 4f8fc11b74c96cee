package io.switchboard.gateway;

/** The test messages: a sequence number and a text. */
record Msg(long seq, String text) {}
