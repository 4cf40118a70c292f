/**
 * Where a range replica keeps its rows: one embedded H2 database per replica directory, the
 * applied index and term beside the rows, checkpoints that tell the log how far it may be
 * truncated, and images of the whole database that stream out to peers and install atomically.
 *
 * <p>On disk a replica directory holds {@code CURRENT}, naming the live database directory, and
 * {@code db-<n>/}, the H2 database itself. A new image is built in a fresh {@code db-<n>/} and made
 * live by renaming a new {@code CURRENT} over the old one, so a crash at any point leaves one
 * complete database named by {@code CURRENT}; whatever else is found on open is removed.
 */
package io.flotilla.statemachine.store;
