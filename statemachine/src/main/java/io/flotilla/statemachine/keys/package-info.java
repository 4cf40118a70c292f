/**
 * Row keys for ranges: a table's id followed by its primary key, encoded so that the unsigned
 * byte order of two keys is the order in which H2 sorts the rows, equality included.
 *
 * <p>A range covers a span of these keys. Because the byte order agrees with H2's, a span within
 * a table translates into a range predicate on its primary key that H2 answers from the primary
 * index, and two values that H2 takes for one key (1.0 and 1.00, {@code 'a'} and {@code 'A'} in a
 * {@code VARCHAR_IGNORECASE} column, one instant in two time zones) can never fall into two ranges.
 * Keys are made from values after H2 converted them to the column's type, never from what a client
 * sent. A key is not a value: it is never decoded. docs/ranges.md, "Keys", gives the encodings and
 * why.
 */
package io.flotilla.statemachine.keys;
