package io.flotilla.sql.sim;

import io.flotilla.protocol.Execute;
import io.flotilla.protocol.Value;
import io.flotilla.sql.nemesis.RegisterChecker;
import io.flotilla.sql.nemesis.RegisterChecker.Op;

import java.util.List;

/**
 * Reads (of one register, or of all in one query), writes and compare-and-sets of two registers (rows of {@code REGISTERS}) through the node
 * server's sessions, each an auto-commit statement at the linearizable level, sent to whichever
 * node the client reaches (a follower forwards it to the leader). Every operation goes into the
 * history with when it was invoked and when its answer arrived (never, if its outcome is unknown);
 * at the end {@link RegisterChecker} decides whether the history is linearizable.
 */
final class RegisterClient extends NodeClient {

    static final int KEYS = 2;

    private final List<Op> history;
    private long writes;
    private long lastSeen;

    RegisterClient(int id, StackSimulation sim, List<Op> history) {
        super(id, sim);
        this.history = history;
    }

    static List<String> schema() {
        return List.of("CREATE TABLE IF NOT EXISTS REGISTERS(K INT PRIMARY KEY, V BIGINT NOT NULL)",
                "MERGE INTO REGISTERS KEY(K) VALUES (0, 0), (1, 0)");
    }

    @Override
    void operate() {
        int key = scheduler.random.nextInt(KEYS);
        long invoked = scheduler.now();
        int pick = scheduler.random.nextInt(10);
        if (pick == 0) {
            readAll(invoked);
        } else if (pick < 4) {
            read(key, invoked);
        } else {
            long value = id * 1_000_000L + ++writes;
            if (pick < 7) {
                write(key, value, invoked);
            } else {
                compareAndSet(key, lastSeen, value, invoked);
            }
        }
    }

    private void read(int key, long invoked) {
        Answer a = execute(Execute.newBuilder().setSql("SELECT V FROM REGISTERS WHERE K = ?").addParameters(of(key)));
        if (a instanceof Answer.Done done && done.result().hasRows() && done.result().getRows().getRowsCount() == 1) {
            long value = done.result().getRows().getRows(0).getValues(0).getLong();
            lastSeen = value;
            history.add(Op.read(id, key, value, invoked, scheduler.now()));
        }
        // A read without an answer has no effect: it is not part of the history.
    }

    /**
     * Reads every register in one query: once the table is split, a query across ranges, whose
     * parts are read one range after another within the query's window. Each register's value is a
     * read of that register in the history, with the query's window.
     */
    private void readAll(long invoked) {
        Answer a = execute(Execute.newBuilder().setSql("SELECT K, V FROM REGISTERS ORDER BY K"));
        if (a instanceof Answer.Done done && done.result().hasRows()) {
            long completed = scheduler.now();
            if (done.result().getRows().getRowsCount() != KEYS) {
                sim.violation("client " + id + ": a query of every register got " + done.result().getRows().getRowsCount()
                        + " rows, not " + KEYS);
            }
            for (var row : done.result().getRows().getRowsList()) {
                history.add(Op.read(id, (int) row.getValues(0).getLong(), row.getValues(1).getLong(), invoked, completed));
            }
        }
    }

    private void write(int key, long value, long invoked) {
        // In the history from the start, its outcome unknown: a run may end while it is in flight.
        int at = pending(Op.write(id, key, value, invoked, Op.UNKNOWN));
        Answer a = execute(Execute.newBuilder().setSql("UPDATE REGISTERS SET V = ? WHERE K = ?")
                .addParameters(of(value)).addParameters(of(key)));
        settle(at, a, Op.write(id, key, value, invoked, scheduler.now()));
    }

    private void compareAndSet(int key, long expected, long value, long invoked) {
        int at = pending(Op.cas(id, key, expected, value, false, invoked, Op.UNKNOWN));
        Answer a = execute(Execute.newBuilder().setSql("UPDATE REGISTERS SET V = ? WHERE K = ? AND V = ?")
                .addParameters(of(value)).addParameters(of(key)).addParameters(of(expected)));
        boolean swapped = a instanceof Answer.Done done && done.result().getUpdate().getCount() == 1;
        settle(at, a, Op.cas(id, key, expected, value, swapped, invoked, scheduler.now()));
    }

    private int pending(Op unknown) {
        history.add(unknown);
        return history.size() - 1;
    }

    /**
     * Replaces the pending operation with what became of it: done, or certainly not applied (then
     * it had no effect and leaves the history: null, as other clients' pending entries keep their
     * places), or maybe applied (it stays pending, its outcome unknown).
     */
    private void settle(int at, Answer a, Op known) {
        if (a instanceof Answer.Done) {
            history.set(at, known);
        } else if (!((Answer.Failed) a).maybeApplied()) {
            history.set(at, null);
        }
    }

    private static Value of(long v) {
        return Value.newBuilder().setLong(v).build();
    }
}
