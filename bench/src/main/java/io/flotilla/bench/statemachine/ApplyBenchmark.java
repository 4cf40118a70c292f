package io.flotilla.bench.statemachine;

import io.flotilla.statemachine.changes.ChangeCapture;
import io.flotilla.statemachine.changes.ChangeRecorder;
import io.flotilla.statemachine.changes.RowImages;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.store.AppliedPosition;
import io.flotilla.statemachine.store.AppliedTable;
import io.flotilla.statemachine.wire.ChangeSet;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
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
 * A follower's apply: change sets applied per second, each one H2 transaction that parses the
 * serialized {@link ChangeSet}, writes its row images below SQL ({@link RowImages#apply}), records
 * the applied index ({@link AppliedTable#write}) and commits, as the replica's apply loop does.
 * The change sets are real: captured in setup on a leader database from transactions of
 * {@code rowsPerTransaction} INSERTs each.
 *
 * <p>The baseline inserts the same rows into an identical table of another database with a JDBC
 * batch, one transaction per change set, and writes no applied index: it is what the rows cost
 * through SQL alone. The apply side's applied-index UPDATE is in the ratio, and weighs most at one
 * row per transaction.
 *
 * <p>The score is transactions (change sets) per second; the {@code rows} line is rows per second.
 * Both sides insert keys 0 to {@value #ROUND_ROWS}-1 in the same order, then empty the table
 * (TRUNCATE, inside the measurement but once per {@value #ROUND_ROWS} rows) and start again, so
 * their tables go through the same sizes whatever their speed. Databases are RangeStore file
 * databases in temporary directories, deleted afterwards.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar ApplyBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class ApplyBenchmark {

    /** Rows inserted before the table is emptied: bounds table and file, and the setup's capture. */
    static final int ROUND_ROWS = 50_000;
    static final long TERM = 1;

    @Param({"1", "100"})
    int rowsPerTransaction;

    /** Transactions per round: the change sets a follower applies before it empties its table. */
    int transactionsPerRound() {
        return ROUND_ROWS / rowsPerTransaction;
    }

    /** A follower replica and the serialized change sets of one round, in log order. */
    @State(Scope.Thread)
    public static class Follower {
        OrdersDatabase database;
        byte[][] changeSets;
        int next;
        long appliedIndex;

        @Setup(Level.Trial)
        public void setUp(ApplyBenchmark bench) throws IOException, SQLException {
            changeSets = captureRound(bench.rowsPerTransaction, bench.transactionsPerRound());
            database = OrdersDatabase.create("flotilla-apply-follower-");
            // Every replica has capture installed (any may lead); apply writes below SQL, so it never fires.
            new ChangeCapture(RangeReplica.Options.defaults().maxChangeSetBytes()).installAll(database.session());
            appliedIndex = AppliedTable.read(database.session()).index();
            database.session().commit();
        }

        @Setup(Level.Iteration)
        public void startRound() throws SQLException {
            database.empty();
            next = 0;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws SQLException, IOException {
            database.close();
        }

        void applyNext() throws IOException, SQLException {
            if (next == changeSets.length) {
                startRound();
            }
            ChangeSet changeSet = ChangeSet.parseFrom(changeSets[next++]);
            Connection apply = database.session();
            RowImages.apply(apply, changeSet);
            AppliedTable.write(apply, new AppliedPosition(++appliedIndex, TERM));
            apply.commit();
        }
    }

    /** The baseline's database and where it is in the round. */
    @State(Scope.Thread)
    public static class Baseline {
        OrdersDatabase database;
        Order[] orders;
        int next;

        @Setup(Level.Trial)
        public void setUp() throws IOException, SQLException {
            orders = new Order[ROUND_ROWS];
            for (int id = 0; id < ROUND_ROWS; id++) {
                orders[id] = Order.of(id);
            }
            database = OrdersDatabase.create("flotilla-apply-baseline-");
        }

        @Setup(Level.Iteration)
        public void startRound() throws SQLException {
            database.empty();
            next = 0;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws SQLException, IOException {
            database.close();
        }

        void insertNext(int rows) throws SQLException {
            if (next + rows > orders.length) {
                startRound();
            }
            PreparedStatement insert = null;
            for (int i = 0; i < rows; i++) {
                insert = database.insert(orders[next++]);
                insert.addBatch();
            }
            insert.executeBatch();
            database.session().commit();
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
    public void applyChangeSets(Follower follower, Rows rows) throws IOException, SQLException {
        follower.applyNext();
        rows.rows += rowsPerTransaction;
    }

    @Benchmark
    public void insertDirectly(Baseline baseline, Rows rows) throws SQLException {
        baseline.insertNext(rowsPerTransaction);
        rows.rows += rowsPerTransaction;
    }

    /**
     * Runs one round of leader transactions (orders 0 to {@link #ROUND_ROWS}-1, in order) on a
     * captured database, as the leader would for clients, and returns their serialized change sets.
     */
    static byte[][] captureRound(int rowsPerTransaction, int transactions) throws IOException, SQLException {
        ChangeCapture capture = new ChangeCapture(RangeReplica.Options.defaults().maxChangeSetBytes());
        byte[][] changeSets = new byte[transactions][];
        try (OrdersDatabase leader = OrdersDatabase.create("flotilla-apply-leader-")) {
            Connection session = leader.session();
            capture.installAll(session);
            long id = 0;
            for (int t = 0; t < transactions; t++) {
                try (ChangeRecorder recorder = capture.record(session)) {
                    for (int i = 0; i < rowsPerTransaction; i++) {
                        leader.insert(Order.of(id++)).executeUpdate();
                    }
                    changeSets[t] = recorder.changeSet(0).toByteArray();
                    session.commit();
                }
            }
        }
        return changeSets;
    }
}
