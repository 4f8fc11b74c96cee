/**
 * An {@link io.switchboard.stream.EventStore} in database tables over JDBC: {@link
 * io.switchboard.stream.jdbc.JdbcEventStore}, on H2 (embedded) or PostgreSQL, shared by the
 * replicas of a service, so that a client can resume a catch-up subscription on any of them.
 */
package io.switchboard.stream.jdbc;
