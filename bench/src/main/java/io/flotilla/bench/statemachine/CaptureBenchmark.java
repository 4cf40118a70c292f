package io.flotilla.bench.statemachine;

import io.flotilla.statemachine.changes.ChangeCapture;
import io.flotilla.statemachine.changes.ChangeRecorder;
import io.flotilla.statemachine.range.RangeReplica;
import java.io.IOException;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The leader's cost of change capture: transactions per second of {@code rowsPerTransaction}
 * single-row INSERTs (a PreparedStatement executed per row, as a client sends them) and a commit.
 * {@code captured} runs them on a table with the capture trigger under a {@link ChangeRecorder},
 * then builds and serializes the change set before committing, which is the leader's work per
 * transaction short of proposing it. The baseline {@code plainH2} runs the same transaction on the
 * same table without a trigger or recorder.
 *
 * <p>The score is transactions per second; the {@code rows} line is rows per second. Both sides
 * insert increasing keys and empty the table every {@value #ROUND_ROWS} rows (TRUNCATE, inside the
 * measurement) and at each iteration's start, so their tables go through the same sizes. Databases
 * are RangeStore file databases in temporary directories, deleted afterwards.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar CaptureBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class CaptureBenchmark {

    /** Rows inserted before the table is emptied, so the table and its file stay bounded. */
    static final int ROUND_ROWS = 50_000;
    static final long SCHEMA_VERSION = 0;

    @Param({"1", "100"})
    int rowsPerTransaction;

    /** A database that receives client transactions, with or without capture. */
    public abstract static class Leader {
        OrdersDatabase database;
        long nextId;

        @Setup(Level.Iteration)
        public void startRound() throws SQLException {
            database.empty();
            nextId = 0;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws SQLException, IOException {
            database.close();
        }

        /**
         * Empties the table if the next transaction would take it past a round. Called before a
         * transaction starts: TRUNCATE commits, and must not land inside a recorded transaction.
         */
        void makeRoom(int rows) throws SQLException {
            if (nextId + rows > ROUND_ROWS) {
                startRound();
            }
        }

        /** Runs the transaction's INSERTs; the caller commits. */
        void insert(int rows) throws SQLException {
            for (int i = 0; i < rows; i++) {
                database.insert(Order.of(nextId++)).executeUpdate();
            }
        }
    }

    @State(Scope.Thread)
    public static class Plain extends Leader {
        @Setup(Level.Trial)
        public void setUp() throws IOException, SQLException {
            database = OrdersDatabase.create("flotilla-capture-plain-");
        }
    }

    @State(Scope.Thread)
    public static class Captured extends Leader {
        ChangeCapture capture;

        @Setup(Level.Trial)
        public void setUp() throws IOException, SQLException {
            database = OrdersDatabase.create("flotilla-capture-captured-");
            capture = new ChangeCapture(RangeReplica.Options.defaults().maxChangeSetBytes());
            capture.installAll(database.session());
        }
    }

    /** Rows per second, next to the transactions per second of the score. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Rows {
        public long rows;

        @Setup(Level.Iteration)
        public void reset() {
            rows = 0;
        }
    }

    @Benchmark
    public void plainH2(Plain leader, Rows rows) throws SQLException {
        leader.makeRoom(rowsPerTransaction);
        leader.insert(rowsPerTransaction);
        leader.database.session().commit();
        rows.rows += rowsPerTransaction;
    }

    /** @return the serialized change set's size, so the serialization cannot be optimized away */
    @Benchmark
    public int captured(Captured leader, Rows rows) throws SQLException {
        leader.makeRoom(rowsPerTransaction);
        int shipped;
        try (ChangeRecorder recorder = leader.capture.record(leader.database.session())) {
            leader.insert(rowsPerTransaction);
            shipped = recorder.changeSet(SCHEMA_VERSION).toByteArray().length;
            leader.database.session().commit();
        }
        rows.rows += rowsPerTransaction;
        return shipped;
    }
}
