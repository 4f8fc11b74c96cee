package io.switchboard.examples.users;

/** A user of the seed domain: the small record every benchmark and demo uses. */
public record User(long id, String name, String email, int age, boolean active) {}
