package io.flotilla.statemachine.store;

import java.nio.charset.StandardCharsets;

/**
 * The layout of a database image. The whole image is one zlib stream; inside it:
 *
 * <pre>
 * MAGIC, int VERSION, long appliedIndex, long appliedTerm
 * int n, n x string       statements that create what rows go into (schemas, sequences, tables, views)
 * int m, m x string       statements that need the rows (indexes, constraints, triggers, grants)
 * CHECK
 * per table: TABLE_START string schema, string table, int k, k x string column, boolean overriding, CHECK
 *            (ROWS int r, r x (int length, bytes), CHECK)*  TABLE_END long rowCount
 * IMAGE_END long tableCount, long rowCount, CHECK
 * </pre>
 *
 * CHECK is an int: the CRC-32C of every byte before it. The loader verifies each one before it
 * executes or inserts what precedes it, so damage is reported as damage, not as whatever SQL
 * error the damaged bytes would cause.
 *
 * A string is an int byte length and UTF-8 bytes. A row is its values in H2's own storage
 * encoding, so every H2 type round-trips exactly. Constraints, indexes and triggers come after the
 * rows so that loading neither fires triggers nor checks each row against every index.
 */
final class ImageFormat {

    static final byte[] MAGIC = "FLOTIMG\n".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;

    static final byte TABLE_START = 1;
    static final byte ROWS = 2;
    static final byte TABLE_END = 3;
    static final byte IMAGE_END = 4;

    /** Rows per ROWS block: bounds what either side holds in memory besides large values. */
    static final int ROWS_PER_BLOCK = 256;

    /** No statement or row is near this; a larger length means a damaged image. */
    static final int MAX_RECORD_BYTES = 1 << 30;

    private ImageFormat() {
    }
}
