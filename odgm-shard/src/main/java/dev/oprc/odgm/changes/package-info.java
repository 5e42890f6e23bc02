/**
 * A client of a node's change streams: {@link dev.oprc.odgm.changes.ChangeStream} subscribes to a
 * partition's change events, resumes from a token (the last seq it handed over) after a reconnect
 * or a restart, and hands each event to the application once and in seq order.
 */
package dev.oprc.odgm.changes;
