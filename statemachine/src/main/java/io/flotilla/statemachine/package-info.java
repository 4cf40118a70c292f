/**
 * The H2 state machine of a range: leader-side execution with row-level change capture, apply of
 * committed change sets on every replica, and snapshots of an H2 database. Not yet built.
 */
package io.flotilla.statemachine;
