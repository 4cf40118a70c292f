package io.flotilla.sql.server;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.ReadIndex;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;

import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Whether the parts of a query across ranges are the ranges at one moment (docs/ranges.md,
 * "Isolation across ranges"). Each part was read at a leader after the position it names; once all
 * are read, each range's leader is asked what it has applied now, on its group's thread, where no
 * entry is half applied. A range that applied nothing since its part was read held exactly that
 * part from before its read until after the last part's read: so, if none did, there is a moment
 * (the last part's read) at which every range held what was read of it.
 *
 * <p>That moment may still fall between the resolves of a transaction across ranges, committed in
 * one range and prepared in another (its rows seen in one and not the other). So every range also
 * names the transactions it holds prepared, and each of those must be prepared in every range read:
 * a transaction prepared in one and not another may have resolved in the other already. That is
 * stricter than needed (the other range may take no part in it, or not have prepared it yet), and
 * costs only a read again once the transaction resolves.
 */
final class CutCheck {

    private CutCheck() {
    }

    /**
     * @param readAt for each range read, the position its parts were read at ({@link
     *               SpanningRead#MIXED}: parts read at different ones)
     * @return why the parts are not one moment, or empty if they are
     * @throws SQLException when a range's leader could not answer
     */
    static Optional<String> of(Map<Long, Long> readAt, RangeRequests lanes, Request on) throws SQLException {
        Map<Long, List<ByteString>> prepared = new TreeMap<>();
        for (Map.Entry<Long, Long> read : readAt.entrySet()) {
            long range = read.getKey();
            if (read.getValue() == SpanningRead.MIXED) {
                return Optional.of("range " + range + " changed between the reads of two of its parts");
            }
            Response answer = lanes.position(range, Request.newBuilder().setId(on.getId())
                    .setFailoverBudgetMillis(on.getFailoverBudgetMillis())
                    .setReadIndex(ReadIndex.newBuilder().setRange(range).setWithPrepared(true)).build());
            if (answer.hasError()) {
                throw new SQLException(answer.getError().getMessage(), answer.getError().getSqlState());
            }
            long now = answer.getReadIndex().getLsn().getIndex();
            if (now != read.getValue()) {
                return Optional.of("range " + range + " applied up to " + now + " after its part was read at "
                        + read.getValue());
            }
            prepared.put(range, answer.getReadIndex().getPreparedList());
        }
        for (Map.Entry<Long, List<ByteString>> in : prepared.entrySet()) {
            for (ByteString txn : in.getValue()) {
                for (Map.Entry<Long, List<ByteString>> other : prepared.entrySet()) {
                    if (!other.getValue().contains(txn)) {
                        return Optional.of("transaction " + HexFormat.of().formatHex(txn.toByteArray()) + " is prepared in"
                                + " range " + in.getKey() + " and not in range " + other.getKey());
                    }
                }
            }
        }
        return Optional.empty();
    }
}
