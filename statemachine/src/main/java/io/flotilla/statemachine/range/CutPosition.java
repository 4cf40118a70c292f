package io.flotilla.statemachine.range;

import com.google.protobuf.ByteString;

import java.util.List;

/**
 * A range at one moment, as a query across ranges checks its cut by: the index it had applied, and
 * the transactions across ranges whose parts it held prepared then (in id order).
 */
public record CutPosition(long applied, List<Prepared> prepared) {

    /** A transaction's part prepared here, and the range that decides its commit. */
    public record Prepared(ByteString txn, long recordRange) {
    }

    public CutPosition {
        prepared = List.copyOf(prepared);
    }
}
