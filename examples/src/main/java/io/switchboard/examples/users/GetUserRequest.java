package io.switchboard.examples.users;

/** Asks for one user by id. */
public record GetUserRequest(long id) {}
