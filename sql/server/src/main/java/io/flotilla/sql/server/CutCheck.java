package io.flotilla.sql.server;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.CommitHoldId;
import io.flotilla.protocol.PreparedTransaction;
import io.flotilla.protocol.ReadIndex;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.sql.node.Waits;
import io.flotilla.statemachine.range.SqlStates;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

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
 * names the transactions it holds prepared, with their record ranges. A transaction prepared in its
 * record range was undecided at that moment, so resolved nowhere; one prepared elsewhere while its
 * record range (read too) no longer holds it prepared has been decided and may be resolved in
 * another range read: the parts are read again. One whose record range is not read counts as
 * decided: stricter than needed, and it costs only a read again once the transaction resolves.
 *
 * <p>When the ranges keep changing, the reader holds each range's commit index where it is ({@link
 * #hold}), reads, checks and lets go: then nothing changes under the read but a change of leader.
 */
final class CutCheck {

    private static final System.Logger LOG = System.getLogger(CutCheck.class.getName());

    private CutCheck() {
    }

    /**
     * Holds the commit index of each range's leader where it is, for at most {@code holdMillis}:
     * for a read of ranges that kept changing under it. Nothing newer commits, or applies on any
     * replica, until {@link #release}; a range that changes hands meanwhile is caught by {@link #of}.
     *
     * @return the holds given, by range (those given before a failure, too, so they are released)
     */
    static Map<Long, CommitHoldId> hold(Iterable<Long> ranges, int holdMillis, RangeRequests lanes, Request on,
                                        Map<Long, CommitHoldId> holds) throws SQLException {
        for (long range : ranges) {
            Response answer = lanes.position(range, Request.newBuilder().setId(on.getId())
                    .setFailoverBudgetMillis(on.getFailoverBudgetMillis())
                    .setReadIndex(ReadIndex.newBuilder().setRange(range).setHoldCommitsMillis(holdMillis)).build());
            if (answer.hasError()) {
                throw new SQLException(answer.getError().getMessage(), answer.getError().getSqlState());
            }
            holds.put(range, answer.getReadIndex().getHold());
        }
        return holds;
    }

    /**
     * Waits, at most {@code timeoutNanos}, until {@code range} no longer holds {@code txn} prepared
     * (its resolve applied there): a read again before that would find it so again.
     */
    static void awaitResolved(long range, ByteString txn, RangeRequests lanes, Request on, Waits waits,
                              long timeoutNanos) throws SQLException {
        long deadline = waits.nanoTime() + timeoutNanos;
        while (waits.nanoTime() - deadline < 0) {
            Response answer = lanes.position(range, Request.newBuilder().setId(on.getId())
                    .setFailoverBudgetMillis(on.getFailoverBudgetMillis())
                    .setReadIndex(ReadIndex.newBuilder().setRange(range).setWithPrepared(true)).build());
            if (answer.hasError() || answer.getReadIndex().getPreparedList().stream()
                    .noneMatch(p -> p.getTxn().equals(txn))) {
                return;
            }
            try {
                waits.sleep(TimeUnit.MILLISECONDS.toNanos(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted", SqlStates.UNAVAILABLE, e);
            }
        }
    }

    /** Ends the holds; one that cannot be reached lapses by itself. */
    static void release(Map<Long, CommitHoldId> holds, RangeRequests lanes, Request on) {
        for (Map.Entry<Long, CommitHoldId> hold : holds.entrySet()) {
            Response answer = lanes.position(hold.getKey(), Request.newBuilder().setId(on.getId())
                    .setFailoverBudgetMillis(on.getFailoverBudgetMillis())
                    .setReadIndex(ReadIndex.newBuilder().setRange(hold.getKey()).setRelease(hold.getValue())).build());
            if (answer.hasError()) {
                LOG.log(System.Logger.Level.DEBUG, "range " + hold.getKey() + ": a commit hold was not released ("
                        + answer.getError().getMessage() + "); it lapses by itself");
            }
        }
    }

    /** What the check found. */
    sealed interface Verdict {
        /** The parts are the ranges at one moment. */
        record Whole() implements Verdict {
        }

        /** A range applied something after its part was read. */
        record Moved(String why) implements Verdict {
        }

        /** A transaction across ranges may be resolved in one range read and not in another: {@code range} still holds it prepared. */
        record Unresolved(String why, long range, ByteString txn) implements Verdict {
        }
    }

    /**
     * @param readAt for each range read, the position its parts were read at ({@link
     *               SpanningRead#MIXED}: parts read at different ones)
     * @throws SQLException when a range's leader could not answer
     */
    static Verdict of(Map<Long, Long> readAt, RangeRequests lanes, Request on) throws SQLException {
        Map<Long, Map<ByteString, Long>> prepared = new TreeMap<>();
        for (Map.Entry<Long, Long> read : readAt.entrySet()) {
            long range = read.getKey();
            if (read.getValue() == SpanningRead.MIXED) {
                return new Verdict.Moved("range " + range + " changed between the reads of two of its parts");
            }
            Response answer = lanes.position(range, Request.newBuilder().setId(on.getId())
                    .setFailoverBudgetMillis(on.getFailoverBudgetMillis())
                    .setReadIndex(ReadIndex.newBuilder().setRange(range).setWithPrepared(true)).build());
            if (answer.hasError()) {
                throw new SQLException(answer.getError().getMessage(), answer.getError().getSqlState());
            }
            long now = answer.getReadIndex().getLsn().getIndex();
            if (now != read.getValue()) {
                return new Verdict.Moved("range " + range + " applied up to " + now + " after its part was read at "
                        + read.getValue());
            }
            Map<ByteString, Long> here = new HashMap<>();
            for (PreparedTransaction p : answer.getReadIndex().getPreparedList()) {
                here.put(p.getTxn(), p.getRecordRange());
            }
            prepared.put(range, here);
        }
        for (Map.Entry<Long, Map<ByteString, Long>> in : prepared.entrySet()) {
            for (Map.Entry<ByteString, Long> txn : in.getValue().entrySet()) {
                long record = txn.getValue();
                // Prepared in its record range: not decided yet, so resolved nowhere.
                boolean undecided = record == in.getKey()
                        || prepared.getOrDefault(record, Map.of()).containsKey(txn.getKey());
                if (!undecided) {
                    return new Verdict.Unresolved("transaction " + HexFormat.of().formatHex(txn.getKey().toByteArray())
                            + " is prepared in range " + in.getKey() + " while its record range " + record
                            + (prepared.containsKey(record) ? " has decided it" : " is not read"), in.getKey(),
                            txn.getKey());
                }
            }
        }
        return new Verdict.Whole();
    }
}
