package io.flotilla.statemachine.changes;

import io.flotilla.statemachine.wire.ChangeSet;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A leader and a follower database with the same schema and capture installed on both (DDL is
 * replicated as SQL); committed leader transactions travel to the follower as serialized change
 * sets, the way the log carries them.
 */
final class LeaderFollower implements AutoCloseable {

    interface Work {
        void run(Connection leader) throws SQLException;
    }

    final Replica leader;
    final Replica follower;
    final ChangeCapture capture;

    LeaderFollower(String label, long maxChangeSetBytes, String... ddl) throws SQLException {
        this.leader = Replica.create(label + "-leader");
        this.follower = Replica.create(label + "-follower");
        this.capture = new ChangeCapture(maxChangeSetBytes);
        for (Replica replica : new Replica[] {leader, follower}) {
            replica.execute(ddl);
            capture.installAll(replica.connection);
            replica.connection.commit();
        }
    }

    /** Runs {@code work} in one leader transaction, commits it and applies it on the follower. */
    ChangeSet commit(Work work) throws Exception {
        ChangeSet changeSet;
        try (ChangeRecorder recorder = capture.record(leader.connection)) {
            try {
                work.run(leader.connection);
                changeSet = recorder.changeSet(1);
            } catch (Exception | Error e) {
                leader.connection.rollback();
                throw e;
            }
            leader.connection.commit();
        }
        ChangeSet shipped = ChangeSet.parseFrom(changeSet.toByteArray());
        applyOnFollower(shipped);
        return shipped;
    }

    void applyOnFollower(ChangeSet changeSet) throws SQLException {
        try {
            RowImages.apply(follower.connection, changeSet);
        } catch (SQLException | RuntimeException e) {
            follower.connection.rollback();
            throw e;
        }
        follower.connection.commit();
    }

    /** Runs {@code work} in one leader transaction and rolls it back; nothing is shipped. */
    void abort(Work work) throws Exception {
        try (ChangeRecorder recorder = capture.record(leader.connection)) {
            try {
                work.run(leader.connection);
            } finally {
                leader.connection.rollback();
            }
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            leader.close();
        } finally {
            follower.close();
        }
    }
}
