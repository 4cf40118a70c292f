package io.flotilla.sql.sim;

import io.flotilla.protocol.Execute;

import java.util.List;

/**
 * Splits the data range twice while the others run, through the node server's sessions as a
 * client would (`ALTER TABLE ... SPLIT AT VALUES`), under whatever faults are on: first at register
 * 1, then at register 0, so that in the end each register lives in a range of its own and every
 * other table in the data range. The registers' operations, routed by their keys, are checked for
 * linearizability across the splits; the replicas of every range must agree.
 */
final class SplitClient extends NodeClient {

    /** Registers to split at, in order. */
    private static final List<Integer> AT = List.of(1, 0);

    private int done;

    SplitClient(int id, StackSimulation sim) {
        super(id, sim);
    }

    @Override
    void operate() {
        // About one split a second: within a seed's few seconds, both happen, faults around them.
        if (done >= AT.size() || scheduler.random.nextInt(60) != 0) {
            return;
        }
        Answer a = execute(Execute.newBuilder().setSql("ALTER TABLE REGISTERS SPLIT AT VALUES (" + AT.get(done) + ")"));
        // Done also when an earlier attempt applied and its answer was lost: the key is a range's start.
        if (a instanceof Answer.Done) {
            done++;
            sim.history.splits++;
        }
    }
}
