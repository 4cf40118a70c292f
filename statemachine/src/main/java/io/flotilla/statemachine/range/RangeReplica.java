package io.flotilla.statemachine.range;

import com.google.protobuf.ByteString;
import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.core.Refusal;
import io.flotilla.raft.embedded.DurableStateMachine;
import io.flotilla.raft.host.Committed;
import io.flotilla.raft.host.GroupUnavailableException;
import io.flotilla.statemachine.changes.ChangeCapture;
import io.flotilla.statemachine.changes.ChangeRecorder;
import io.flotilla.statemachine.changes.RowImages;
import io.flotilla.statemachine.changes.RowKeys;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.store.AppliedPosition;
import io.flotilla.statemachine.store.AppliedTable;
import io.flotilla.statemachine.store.RangeStore;
import io.flotilla.statemachine.store.StoreOptions;
import io.flotilla.statemachine.wire.ChangeSet;
import io.flotilla.statemachine.wire.ClientSession;
import io.flotilla.statemachine.wire.Decide;
import io.flotilla.statemachine.wire.Forget;
import io.flotilla.statemachine.wire.Prepare;
import io.flotilla.statemachine.wire.Resolve;
import io.flotilla.statemachine.wire.RangeCommand;
import io.flotilla.statemachine.wire.SchemaChange;
import io.flotilla.statemachine.wire.Split;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One replica of a range: its H2 database as the Raft group's state machine, and, while this
 * replica leads, the transactions it holds open for clients.
 *
 * <p>Every replica applies the range's log in order: a change set by writing its row images, a
 * schema change by running it, each in one H2 transaction that also records the applied position
 * and the client session's outcome. The leader applies its own change sets by committing the H2
 * transaction it held for them instead; anything it holds when it stops leading, or when a schema
 * change applies, is rolled back first. A leader serves clients only once it has applied an entry
 * of its own term: before that its database may lack writes an earlier leader committed.
 *
 * <p>Its jobs are split: this class applies entries and proposes for clients; the transactions a
 * leader holds are {@link HeldTransactions}'; schema changes are {@link SchemaChanges}'; the
 * exactly-once check and record of client sessions are {@link SessionOutcomes}'. Why nothing a
 * client holds can stop the apply path: {@code docs/apply-path.md}.
 *
 * <p>Threads: {@link #apply}, {@link #roleChanged}, {@link #snapshot} and {@link #restore} run on the
 * group's worker thread; client sessions run on their own threads and reach the log through
 * {@link #attach(Proposer) the proposer}.
 */
public final class RangeReplica implements DurableStateMachine {

    private static final System.Logger LOG = System.getLogger(RangeReplica.class.getName());

    /**
     * @param maxChangeSetBytes the largest transaction, in bytes of row images; above it the commit
     *        fails with {@link SqlStates#LIMIT_EXCEEDED} and nothing is written
     * @param sessionTtl how long a client session's last outcome is kept for its retries
     * @param sessionExpiryInterval every this many log indexes, sessions idle for longer than the
     *        time-to-live are forgotten (at the same index on every replica)
     * @param store how the replica's H2 database is opened
     * @param deliberateBugs bugs to have, for the simulator's self-test only; empty otherwise
     * @param recordRetention how long a decided record of a transaction across ranges is kept (the
     *        asks that need it come within seconds; see {@link TransactionRecords})
     */
    public record Options(long maxChangeSetBytes, Duration sessionTtl, long sessionExpiryInterval, StoreOptions store,
                          Set<DeliberateBug> deliberateBugs, Duration recordRetention) {

        public Options {
            if (maxChangeSetBytes <= 0 || sessionTtl.isNegative() || sessionExpiryInterval <= 0
                    || recordRetention.isNegative()) {
                throw new IllegalArgumentException("range options must be positive");
            }
            deliberateBugs = deliberateBugs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(deliberateBugs));
        }

        /**
         * 8 MiB of row images per transaction: with the command around it, well inside the Raft
         * core's default largest entry (12 MiB), which fits the transport's default frame (16 MiB).
         */
        public static Options defaults() {
            return new Options(8L << 20, Duration.ofHours(1), 1024, StoreOptions.defaults(), Set.of(), Duration.ofHours(1));
        }

        public Options withMaxChangeSetBytes(long bytes) {
            return new Options(bytes, sessionTtl, sessionExpiryInterval, store, deliberateBugs, recordRetention);
        }

        public Options withSessionExpiry(Duration ttl, long interval) {
            return new Options(maxChangeSetBytes, ttl, interval, store, deliberateBugs, recordRetention);
        }

        public Options withStore(StoreOptions options) {
            return new Options(maxChangeSetBytes, sessionTtl, sessionExpiryInterval, options, deliberateBugs, recordRetention);
        }

        public Options withDeliberateBugs(Set<DeliberateBug> bugs) {
            return new Options(maxChangeSetBytes, sessionTtl, sessionExpiryInterval, store, bugs, recordRetention);
        }

        public Options withRecordRetention(Duration retention) {
            return new Options(maxChangeSetBytes, sessionTtl, sessionExpiryInterval, store, deliberateBugs, retention);
        }

        boolean has(DeliberateBug bug) {
            return deliberateBugs.contains(bug);
        }
    }

    /** How a replica's client sessions reach the log: the host's propose for this range's group. */
    @FunctionalInterface
    public interface Proposer {
        CompletableFuture<Committed> propose(byte[] command);
    }

    private final long range;
    private final RangeStore store;
    private final ChangeCapture capture;
    private final Options options;
    private final LongSupplier wallClockMillis;
    /** The apply thread's own session, auto-commit off. */
    private Connection apply;
    private volatile Proposer proposer;
    private final HeldTransactions held;
    private final SchemaChanges schemaChanges;
    private final TransactionParts parts;
    private final RangeSplits splits;
    /** Where a split puts the range it makes; until attached, a split entry stops this replica. */
    private volatile NewRanges newRanges;
    /**
     * What a new database records as the range's bounds (see {@link RangeBounds}); empty for a
     * range a split made, whose bounds come with its first image.
     */
    private final Optional<KeySpan> initialSpan;
    /** Read when the apply session opens: at start and after an image is installed. */
    private volatile Optional<RangeBounds> bounds;
    private final SessionOutcomes sessions;
    private volatile long term;
    private volatile boolean leader;
    /** Leader that applied an entry of its own term: its database holds everything committed before. */
    private volatile boolean serving;
    private volatile long applied;
    private final AppliedWaiters appliedWaiters = new AppliedWaiters();
    private volatile SchemaVersions schema;

    private RangeReplica(long range, Optional<KeySpan> initialSpan, RangeStore store, Options options,
                         LongSupplier wallClockMillis, byte[] incarnation) throws SQLException {
        this.range = range;
        this.initialSpan = initialSpan;
        this.store = store;
        this.options = options;
        this.wallClockMillis = wallClockMillis;
        this.capture = new ChangeCapture(options.maxChangeSetBytes());
        this.held = new HeldTransactions(range, incarnation);
        this.schemaChanges = new SchemaChanges(range, capture, held);
        this.parts = new TransactionParts(range, store, capture, held);
        this.splits = new RangeSplits(range, options.store());
        this.sessions = new SessionOutcomes(range, options.sessionTtl(), wallClockMillis, store);
        openApplySession();
    }

    /**
     * Opens (creating if need be) the replica kept in {@code directory}.
     *
     * @param initialSpan the keys the range covers if its database is new (a range of the
     *        cluster's initial layout; a database restored or installed keeps its own bounds)
     */
    public static RangeReplica open(long range, KeySpan initialSpan, Path directory, Options options)
            throws IOException, SQLException {
        byte[] incarnation = new byte[8];
        new SecureRandom().nextBytes(incarnation);
        return open(range, initialSpan, directory, options, System::currentTimeMillis, incarnation);
    }

    /**
     * Opens the replica as {@link #open(long, KeySpan, Path, Options)} does, with the wall clock its
     * sessions and proposals are stamped with, and the bytes that make this incarnation's proposal
     * ids unique: the whole-stack simulator gives both from its seed.
     */
    public static RangeReplica open(long range, KeySpan initialSpan, Path directory, Options options,
                                    LongSupplier wallClockMillis, byte[] incarnation) throws IOException, SQLException {
        if (incarnation.length != 8) {
            throw new IllegalArgumentException("an incarnation is 8 bytes");
        }
        RangeStore store = RangeStore.open(directory, options.store());
        try {
            return new RangeReplica(range, Optional.of(initialSpan), store, options, wallClockMillis, incarnation);
        } catch (SQLException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /**
     * Opens the replica of a range a split made, kept in {@code directory}: its bounds, like the
     * rest of its state, come from its first image (the split's), which the database holds already
     * where this node made it, and which its group installs otherwise.
     */
    public static RangeReplica openSplitOff(long range, Path directory, Options options, LongSupplier wallClockMillis,
                                            byte[] incarnation) throws IOException, SQLException {
        if (incarnation.length != 8) {
            throw new IllegalArgumentException("an incarnation is 8 bytes");
        }
        RangeStore store = RangeStore.open(directory, options.store());
        try {
            return new RangeReplica(range, Optional.empty(), store, options, wallClockMillis, incarnation);
        } catch (SQLException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** A replica that applies entries has its bounds: from its creation, or from the image it started from. */
    private RangeBounds requireBounds() throws SQLException {
        return bounds.orElseThrow(() -> new SQLException("range " + range + " holds no bounds: it has applied "
                + "an entry before its first image", "XX001"));
    }

    private void openApplySession() throws SQLException {
        apply = store.connect();
        SessionTable.ensure(apply);
        SchemaVersions.ensure(apply);
        TableIds.ensure(apply);
        SchemaLog.ensure(apply);
        PreparedParts.ensure(apply);
        TransactionRecords.ensure(apply);
        if (initialSpan.isPresent()) {
            RangeBounds.ensure(apply, new RangeBounds(range, initialSpan.get(), 1));
        }
        bounds = RangeBounds.find(apply, range);
        apply.setAutoCommit(false);
        if (options.has(DeliberateBug.BOOKKEEPING_UPDATED_IN_PLACE)) {
            try (Statement create = apply.createStatement()) {
                create.execute("CREATE TABLE IF NOT EXISTS FLOTILLA.LAST_APPLIED(ID INT PRIMARY KEY, APPLIED_INDEX BIGINT)");
                create.execute("MERGE INTO FLOTILLA.LAST_APPLIED KEY(ID) VALUES (0, 0)");
            }
        }
        applied = AppliedTable.read(apply).index();
        appliedWaiters.reached(applied);
        schema = SchemaVersions.read(apply);
        apply.commit();
        preparedVersion++;
    }

    /** Connects client sessions to the log. Until then, commits fail as unavailable. */
    public void attach(Proposer proposer) {
        this.proposer = proposer;
    }

    /** Connects splits to the node: where the ranges they make go. */
    public void attach(NewRanges ranges) {
        this.newRanges = ranges;
    }

    /**
     * The keys this replica's range covers, and their generation, as its own database records them;
     * empty for a range a split made until its first image is installed here.
     */
    public Optional<RangeBounds> bounds() {
        return bounds;
    }

    public long range() {
        return range;
    }

    /** Why a schema change is refused once a range holds part of the tables' keys. */
    private static final String SCHEMA_CHANGE_AFTER_SPLIT = "the tables' keys are split into several ranges: a schema "
            + "change must reach every range, through a node that fans it out; nothing was applied, route it again";

    private String behind(long last, long seq) {
        return "range " + range + " has run the schema log up to " + last + ", and change " + seq
                + " must wait for the ones before it";
    }

    /** The range whose span begins with the first table: it gives fanned-out schema changes their place. */
    private boolean firstDataRange() throws SQLException {
        return requireBounds().span().beginsWithTables();
    }

    /** The prepared parts as read at one {@link #preparedVersion}. */
    private record PreparedRead(long version, List<PreparedParts.Part> parts) {
    }

    /** Goes up after every entry that may change FLOTILLA.PREPARED, and when the database is (re)opened. */
    private volatile long preparedVersion;
    private volatile PreparedRead preparedRead = new PreparedRead(-1, List.of());

    /** Table ids as of one schema version: read again only once a schema change applied. */
    private record CachedIds(long schemaVersion, Map<TableName, Long> ids) {
    }

    private volatile CachedIds tableIds = new CachedIds(-1, Map.of());

    /** The ids of the tables that exist, as this replica has them ({@link TableIds}). */
    public Map<TableName, Long> tableIds() throws SQLException {
        CachedIds cached = tableIds;
        long version = schemaVersion();
        if (cached.schemaVersion() == version) {
            return cached.ids();
        }
        try (Connection c = store.connect()) {
            Map<TableName, Long> ids = Map.copyOf(TableIds.live(c));
            tableIds = new CachedIds(version, ids);
            return ids;
        }
    }

    /**
     * Whether this range holds part of the user tables' keys only (a split made it, or split it):
     * then statements are checked against its span. A range with every table's keys, or the meta
     * range, needs no such check.
     */
    public boolean split() {
        Optional<RangeBounds> b = bounds;
        return b.isPresent() && KeySpan.ALL_TABLES.covers(b.get().span()) && !b.get().span().covers(KeySpan.ALL_TABLES);
    }

    @Override
    public long applied() {
        return applied;
    }

    /**
     * Waits at most {@code timeoutNanos} for this replica to have applied {@code index}; whether it
     * has. For a follower read that must include everything the leader had applied.
     */
    public boolean awaitApplied(long index, long timeoutNanos) throws InterruptedException {
        return applied >= index || appliedWaiters.await(index, timeoutNanos);
    }

    /** Whether this replica leads the range and may run client transactions now. */
    public boolean serving() {
        return serving;
    }

    /** The store, for read-only sessions (follower reads) and checkpoints. */
    public RangeStore store() {
        return store;
    }

    /**
     * Opens a client session on this replica; its transactions run only while it leads. The
     * session id names the client's session for exactly-once retries (the same id may be used on
     * another replica after a failover).
     */
    public RangeSession session(byte[] sessionId) throws SQLException {
        return session(sessionId, wallClockMillis.getAsLong());
    }

    /** A client session that began at {@code startedMillis} (the client's clock), as sent in its Hello. */
    public RangeSession session(byte[] sessionId, long startedMillis) throws SQLException {
        return new RangeSession(this, store.connect(), sessionId, startedMillis);
    }

    // ------------------------------------------------------------------ leader side

    /** Starts a held transaction in a client's session; refused unless this replica serves. */
    HeldTransaction begin(Connection connection) throws SQLException {
        long t = term;
        if (!serving) {
            throw new SQLException("range " + range + ": this replica does not lead it (or not yet)", SqlStates.NOT_LEADER);
        }
        connection.setAutoCommit(false);
        ChangeRecorder recorder = capture.record(connection);
        HeldTransaction tx = held.open(connection, recorder, t, schema.current(),
                bounds.map(RangeBounds::generation).orElse(0L));
        if (term != t || !serving) {
            // Leadership moved while we set up: roleChanged may have missed this one.
            held.release(tx, "leadership changed");
            throw new SQLException("range " + range + ": leadership changed", SqlStates.NOT_LEADER);
        }
        return tx;
    }

    /**
     * Proposes a held transaction's change set; completes once its entry applied here (with the
     * outcome every replica reached) or with the error that ended it. A {@code sequence} of 0
     * leaves no session record: a commit inside a client's transaction is never resent.
     */
    CompletableFuture<Outcome> propose(HeldTransaction tx, ChangeSet changes, byte[] session, long startedMillis,
                                       long sequence, long updateCount) {
        try {
            Optional<Outcome> answered = sequence == 0 ? Optional.empty()
                    : tx.run(c -> sessions.answeredAhead(c, session, startedMillis, sequence));
            if (answered.isPresent()) {
                release(tx, "a retry of a write whose outcome is known");
                return CompletableFuture.completedFuture(answered.get());
            }
            tx.propose();
        } catch (SQLException e) {
            release(tx, "the commit failed: " + e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
        RangeCommand.Builder builder = RangeCommand.newBuilder()
                .setProposerTerm(tx.term)
                .setProposalId(ByteString.copyFrom(tx.proposalId))
                .setChangeSet(changes.toBuilder().setRangeGeneration(tx.generation))
                .setProposedAtMillis(wallClockMillis.getAsLong());
        if (sequence > 0) {
            builder.setSession(ClientSession.newBuilder().setId(ByteString.copyFrom(session)).setSequence(sequence)
                    .setUpdateCount(updateCount).setStartedMillis(startedMillis));
        }
        held.proposed(tx);
        return submit(builder.build(), failure -> release(tx, "its entry was not applied: " + failure.getMessage()));
    }

    /**
     * Proposes a held transaction's change set as this range's part of transaction {@code txn}
     * across ranges ({@link Prepare}); completes once its entry applied here. Where the proposal's
     * fate is unknown (the entry may still apply in this term), the transaction stays proposed: its
     * entry finds it, or a change of leadership ends it.
     */
    CompletableFuture<Outcome> proposePrepare(HeldTransaction tx, ChangeSet changes, byte[] txn, long recordRange,
                                              List<Long> participants) {
        try {
            tx.propose();
        } catch (SQLException e) {
            release(tx, "the prepare failed: " + e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
        RangeCommand command = RangeCommand.newBuilder()
                .setProposerTerm(tx.term)
                .setProposalId(ByteString.copyFrom(tx.proposalId))
                .setPrepare(Prepare.newBuilder().setTxn(ByteString.copyFrom(txn))
                        .setChangeSet(changes.toBuilder().setRangeGeneration(tx.generation))
                        .setRecordRange(recordRange).addAllParticipants(participants))
                .setProposedAtMillis(wallClockMillis.getAsLong())
                .build();
        held.proposed(tx);
        return submit(command, failure -> {
            if (!(failure instanceof GroupUnavailableException g)
                    || g.reason() == GroupUnavailableException.Reason.REFUSED
                    || g.reason() == GroupUnavailableException.Reason.OVERLOADED
                    || g.refusal() == Refusal.ENTRY_TOO_LARGE) {
                release(tx, "its prepare was not applied: " + failure.getMessage());
            }
        });
    }

    /**
     * Proposes the decision of transaction {@code txn}, whose record this range keeps ({@link
     * Decide}): completes with {@link Outcome.Applied} if the record says committed once it
     * applied, with {@link Outcome.Refused} ({@link SqlStates#ROLLED_BACK}) if it says aborted.
     */
    public CompletableFuture<Outcome> proposeDecide(byte[] txn, boolean commit) {
        return submitUnlessFollower(RangeCommand.newBuilder()
                .setProposerTerm(term)
                .setDecide(Decide.newBuilder().setTxn(ByteString.copyFrom(txn)).setCommit(commit))
                .setProposedAtMillis(wallClockMillis.getAsLong())
                .build());
    }

    /** Proposes the end of this range's prepared part of {@code txn} ({@link Resolve}). */
    public CompletableFuture<Outcome> proposeResolve(byte[] txn, boolean commit) {
        return submitUnlessFollower(RangeCommand.newBuilder()
                .setProposerTerm(term)
                .setResolve(Resolve.newBuilder().setTxn(ByteString.copyFrom(txn)).setCommit(commit))
                .setProposedAtMillis(wallClockMillis.getAsLong())
                .build());
    }

    /** Proposes to drop the record of {@code txn}, whose every part is resolved ({@link Forget}). */
    public CompletableFuture<Outcome> proposeForget(byte[] txn) {
        return submitUnlessFollower(RangeCommand.newBuilder()
                .setProposerTerm(term)
                .setForget(Forget.newBuilder().setTxn(ByteString.copyFrom(txn)))
                .setProposedAtMillis(wallClockMillis.getAsLong())
                .build());
    }

    private CompletableFuture<Outcome> submitUnlessFollower(RangeCommand command) {
        if (!serving) {
            return CompletableFuture.failedFuture(new SQLException("range " + range
                    + ": this replica does not lead it (or not yet)", SqlStates.NOT_LEADER));
        }
        return submit(command, failure -> { });
    }

    /**
     * What a query across ranges checks its cut by (docs/ranges.md, "Isolation across ranges"): the
     * applied index and the transactions prepared as of it. Only on the group's thread (a
     * linearizable read's query there), where no entry applies meanwhile, so that both are of one
     * moment; read through the apply session, which has committed every entry it applied.
     */
    public CutPosition cutPosition() throws SQLException {
        try {
            return new CutPosition(applied, PreparedParts.transactions(apply));
        } finally {
            apply.commit();
        }
    }

    /**
     * The parts of transactions across ranges this replica holds prepared (for recovery, asked once a
     * second of every range): read from the database only when an entry that may change them has
     * applied since the last read.
     */
    public List<PreparedParts.Part> preparedParts() throws SQLException {
        long version = preparedVersion;
        PreparedRead read = preparedRead;
        if (read.version() == version) {
            return read.parts();
        }
        try (Connection c = store.connect()) {
            // Read after the version: a change that lands in between makes the next call read again.
            List<PreparedParts.Part> parts = List.copyOf(PreparedParts.all(c));
            preparedRead = new PreparedRead(version, parts);
            return parts;
        }
    }

    /**
     * The outcome this range already gave a client session's write {@code sequence}, if any (a
     * retry must get it rather than run again). Definitive on a serving leader: every entry of
     * earlier terms has applied by then.
     */
    public Optional<Outcome> answered(byte[] session, long startedMillis, long sequence) throws SQLException {
        return sessions.lookUp(session, startedMillis, sequence);
    }

    /**
     * Proposes a schema change; the leader checks it on a copy of the schema first. Once the
     * tables are split, only a change fanned out to every range is taken ({@code fannedOut}, see
     * {@link SchemaLog}): one that asks for its place only by the first data range; one with its
     * place only right after the last this range ran (one it ran already is answered at once,
     * one too far ahead refused with {@link SqlStates#SCHEMA_BEHIND}).
     */
    CompletableFuture<Outcome> proposeSchemaChange(Connection connection, String ddl, byte[] session,
                                                   long startedMillis, long sequence, Optional<SchemaLog.Place> fannedOut) {
        SchemaChange change;
        try {
            if (!serving) {
                throw new SQLException("range " + range + ": this replica does not lead it (or not yet)", SqlStates.NOT_LEADER);
            }
            if (split() && fannedOut.isEmpty()) {
                // Whoever sent it planned with a layout from before the split: route it again (08F04).
                throw new SQLException(SCHEMA_CHANGE_AFTER_SPLIT, SqlStates.RANGE_MISMATCH);
            }
            if (fannedOut.isPresent() && !fannedOut.get().given() && !firstDataRange()) {
                throw new SQLException("range " + range + " is not the first data range, which gives schema changes "
                        + "their place", SqlStates.NOT_SUPPORTED);
            }
            if (fannedOut.isPresent() && fannedOut.get().given()) {
                long last = SchemaLog.last(connection);
                if (fannedOut.get().seq() <= last) {
                    return CompletableFuture.completedFuture(new Outcome.Applied(range, applied()));
                }
                if (fannedOut.get().seq() > last + 1) {
                    throw new SQLException(behind(last, fannedOut.get().seq()), SqlStates.SCHEMA_BEHIND);
                }
            }
            change = SchemaChanges.checked(connection, ddl, fannedOut);
        } catch (SQLException e) {
            return CompletableFuture.failedFuture(e);
        }
        RangeCommand.Builder command = RangeCommand.newBuilder()
                .setProposerTerm(term)
                .setSchemaChange(change)
                .setProposedAtMillis(wallClockMillis.getAsLong());
        if (sequence > 0) {
            command.setSession(ClientSession.newBuilder().setId(ByteString.copyFrom(session)).setSequence(sequence)
                    .setStartedMillis(startedMillis));
        }
        return submit(command.build(), failure -> { });
    }

    /**
     * Proposes to split the range at {@code at}: the keys from there on go to a new range, {@code
     * newRange} (an id nobody used, which the caller took from the meta range). Refused at once,
     * with {@link SqlStates#NOT_SUPPORTED}, where {@link RangeSplits} says the range may not split
     * there; the apply checks again, against the schema it has then.
     */
    public CompletableFuture<Outcome> proposeSplit(Key at, long newRange) {
        RangeBounds current = bounds.orElse(null);
        try {
            if (!serving) {
                throw new SQLException("range " + range + ": this replica does not lead it (or not yet)", SqlStates.NOT_LEADER);
            }
            if (newRange <= 0 || newRange == range) {
                throw new IllegalArgumentException("range " + range + " cannot split off range " + newRange);
            }
            try (Connection c = store.connect()) {
                Optional<String> refusal = splits.refusal(c, current, at, current.generation());
                if (refusal.isPresent()) {
                    throw new SQLException("range " + range + ": " + refusal.get(), SqlStates.NOT_SUPPORTED);
                }
            }
        } catch (SQLException e) {
            return CompletableFuture.failedFuture(e);
        }
        RangeCommand command = RangeCommand.newBuilder()
                .setProposerTerm(term)
                .setSplit(Split.newBuilder().setSplitKey(ByteString.copyFrom(at.toByteArray())).setNewRange(newRange)
                        .setGeneration(current.generation()))
                .setProposedAtMillis(wallClockMillis.getAsLong())
                .build();
        return submit(command, failure -> { });
    }

    private CompletableFuture<Outcome> submit(RangeCommand command, Consumer<Throwable> onFailure) {
        Proposer p = proposer;
        if (p == null) {
            onFailure.accept(new IllegalStateException("not attached"));
            return CompletableFuture.failedFuture(new SQLException("range " + range + " is not attached to its group",
                    SqlStates.UNAVAILABLE));
        }
        return p.propose(command.toByteArray()).handle((committed, failure) -> {
            if (failure == null) {
                return (Outcome) committed.result();
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            onFailure.accept(cause);
            throw new CompletionException(translate(cause));
        });
    }

    private SQLException translate(Throwable failure) {
        if (failure instanceof GroupUnavailableException g) {
            if (g.refusal() == Refusal.ENTRY_TOO_LARGE) {
                // Refused before it reached the log: certainly not applied, and it never could be.
                return new SQLException("range " + range + ": the transaction is too large to replicate (its log entry "
                        + "is above the range's largest entry); split it into smaller transactions",
                        SqlStates.LIMIT_EXCEEDED, g);
            }
            return switch (g.reason()) {
                case REFUSED -> new SQLException("range " + range + ": not the leader"
                        + (g.leaderHint() != 0 ? " (leader: node " + g.leaderHint() + ")" : ""), SqlStates.NOT_LEADER, g);
                case OVERWRITTEN -> new LeadershipChangedException("range " + range + ": the transaction lost its "
                        + "place in the log to another leader's entry and was not applied; retry it", g);
                // Refused before it reached the log: certainly not applied.
                case OVERLOADED -> new SQLException("range " + range + " is unavailable: " + g.getMessage(),
                        SqlStates.UNAVAILABLE, g);
                // The entry may be in the log already and commit without us.
                case OUTCOME_UNKNOWN, STOPPED -> new SQLException("range " + range + ": the commit's outcome is unknown ("
                        + g.getMessage() + "); retry with the same session sequence to learn it", SqlStates.OUTCOME_UNKNOWN, g);
            };
        }
        return new SQLException("range " + range + ": the commit's outcome is unknown: " + failure, SqlStates.OUTCOME_UNKNOWN, failure);
    }

    /** A held transaction ends without its entry: roll it back and forget it. */
    void release(HeldTransaction tx, String because) {
        held.release(tx, because);
    }

    /** A held transaction whose term is over ends without its entry. */
    void releaseOnLeadershipChange(HeldTransaction tx, String because) {
        held.releaseOnLeadershipChange(tx, because);
    }

    void forget(HeldTransaction tx) {
        held.forget(tx);
    }

    // ------------------------------------------------------------------ StateMachine

    @Override
    public void roleChanged(long newTerm, boolean nowLeader) {
        serving = nowLeader && options.has(DeliberateBug.SERVE_BEFORE_OWN_TERM_APPLIED);
        term = newTerm;
        leader = nowLeader;
        if (!options.has(DeliberateBug.KEEP_HELD_ON_ROLE_CHANGE)) {
            held.releaseAllOnLeadershipChange(nowLeader ? "a new term began" : "this replica stopped leading the range");
        }
    }

    @Override
    public Object apply(Entry e) {
        return apply(e, null);
    }

    /** @param membership the members in force at the entry; a split gives them to the range it makes */
    @Override
    public Object apply(Entry e, Membership membership) {
        if (e.index() <= applied) {
            throw new IllegalStateException("range " + range + " already applied " + applied + ", given " + e.index());
        }
        Object result;
        RangeCommand command = null;
        try {
            command = e.payload() instanceof Payload.Command c ? RangeCommand.parseFrom(c.data()) : null;
            if (e.index() % options.sessionExpiryInterval() == 0) {
                tidy(command);
            }
            if (command != null) {
                result = applyCommand(e, command, membership);
            } else {
                writePosition(apply, new AppliedPosition(e.index(), e.term()));
                apply.commit();
                result = null;
            }
        } catch (SQLException | IOException failure) {
            // The replica cannot follow its log: it must stop rather than diverge. The host logs
            // this once, stops the group here and shows it as failed; the others go on.
            throw new IllegalStateException("range " + range + " cannot apply entry " + e.index() + " of term "
                    + e.term() + " (" + describe(command) + ")", failure);
        }
        if (command != null && (command.hasPrepare() || command.hasDecide() || command.hasResolve())) {
            preparedVersion++;
        }
        applied = e.index();
        appliedWaiters.reached(applied);
        if (leader && e.term() == term && !serving) {
            retakePrepared();
            serving = true;
            LOG.log(System.Logger.Level.INFO, "range " + range + ": serving as the leader of term " + term + " from index " + applied);
        }
        return result;
    }

    /** What a new leader holds prepared parts' locks under. */
    private TransactionParts.Holder holder() {
        return new TransactionParts.Holder(term, schema.current(), bounds.map(RangeBounds::generation).orElse(0L));
    }

    private void retakePrepared() {
        try {
            parts.retakeAll(apply, holder());
        } catch (SQLException failure) {
            throw new IllegalStateException("range " + range + " cannot take the locks of its prepared transactions "
                    + "again", failure);
        }
    }

    /** What an entry carries, for an operator reading why a replica failed on it. */
    private static String describe(RangeCommand command) {
        if (command == null) {
            return "not a range command";
        }
        String session = command.hasSession() ? ", session " + HexFormat.of()
                .formatHex(command.getSession().getId().toByteArray()) + " write " + command.getSession().getSequence() : "";
        if (command.hasSplit()) {
            return "split at " + Key.of(command.getSplit().getSplitKey().toByteArray()) + " into range "
                    + command.getSplit().getNewRange() + session;
        }
        if (command.hasPrepare()) {
            return "prepare of transaction " + HexFormat.of().formatHex(command.getPrepare().getTxn().toByteArray())
                    + " with " + command.getPrepare().getChangeSet().getChangesCount() + " row changes";
        }
        if (command.hasForget()) {
            return "forget of transaction " + HexFormat.of().formatHex(command.getForget().getTxn().toByteArray());
        }
        if (command.hasDecide() || command.hasResolve()) {
            ByteString txn = command.hasDecide() ? command.getDecide().getTxn() : command.getResolve().getTxn();
            boolean commit = command.hasDecide() ? command.getDecide().getCommit() : command.getResolve().getCommit();
            return (command.hasDecide() ? "decision" : "resolve") + " (" + (commit ? "commit" : "abort")
                    + ") of transaction " + HexFormat.of().formatHex(txn.toByteArray());
        }
        if (command.hasSchemaChange()) {
            String sql = command.getSchemaChange().getSql();
            return "schema change \"" + (sql.length() > 200 ? sql.substring(0, 200) + "..." : sql) + "\"" + session;
        }
        return "change set of " + command.getChangeSet().getChangesCount() + " row changes, proposed in term "
                + command.getProposerTerm() + session;
    }

    private Outcome applyCommand(Entry e, RangeCommand command, Membership membership) throws SQLException, IOException {
        HeldTransaction own = held.takeProposed(command.getProposalId()).orElse(null);
        AppliedPosition at = new AppliedPosition(e.index(), e.term());
        if (!options.has(DeliberateBug.NO_EXACTLY_ONCE_CHECK_AT_APPLY)) {
            Optional<Outcome> answered = sessions.answered(apply, command);
            if (answered.isPresent()) {
                // A retry that reached the log twice: the first one's outcome stands, nothing applies.
                finishWithout(own, "its write was already applied", at);
                return answered.get();
            }
        }
        if (command.hasDecide()) {
            return applyDecide(command.getDecide(), at, command.getProposedAtMillis());
        }
        if (command.hasForget()) {
            parts.forget(apply, command.getForget().getTxn());
            writePosition(apply, at);
            apply.commit();
            return new Outcome.Applied(range, e.index());
        }
        if (command.hasResolve()) {
            parts.resolve(apply, command.getResolve().getTxn(), command.getResolve().getCommit());
            writePosition(apply, at);
            apply.commit();
            return new Outcome.Applied(range, e.index());
        }
        ChangeSet written = command.hasPrepare() ? command.getPrepare().getChangeSet() : command.getChangeSet();
        boolean writes = command.hasChangeSet() || command.hasPrepare();
        Outcome.Refused refusal = null;
        if (command.getProposerTerm() != e.term()) {
            refusal = new Outcome.Refused(SqlStates.ROLLED_BACK, "proposed in term " + command.getProposerTerm()
                    + " but appended in term " + e.term() + "; retry it");
        } else if (writes && written.getRangeGeneration() != 0
                && written.getRangeGeneration() != requireBounds().generation()) {
            // Before the schema check, which a split also fails: this says "route it again".
            refusal = new Outcome.Refused(SqlStates.RANGE_MISMATCH, "range " + range + " split (generation "
                    + requireBounds().generation() + ") after the transaction ran against generation "
                    + written.getRangeGeneration() + "; nothing of it was applied, retry it");
        } else if (writes && schema.outdated(written)) {
            refusal = new Outcome.Refused(SqlStates.ROLLED_BACK, "the schema of what it wrote changed (by index "
                    + schema.current() + ") while the transaction ran; retry it");
        } else if (command.hasPrepare() && parts.abortedBefore(apply, command.getPrepare())) {
            refusal = new Outcome.Refused(SqlStates.ROLLED_BACK, "the transaction was aborted before its record "
                    + "range prepared (a participant gave up on it); retry it");
        } else if (writes) {
            refusal = outsideSpan(written).orElse(null);
        } else if (command.hasSchemaChange() && PreparedParts.any(apply)) {
            // A schema change rolls back held transactions that touched what it alters, and a
            // prepared part must be neither rolled back nor outdated: it waits for their resolves.
            refusal = new Outcome.Refused(SqlStates.ROLLED_BACK, "range " + range + " holds prepared parts of "
                    + "transactions across ranges; retry the schema change once they are resolved");
        } else if (command.hasSchemaChange() && split() && !command.getSchemaChange().getFannedOut()) {
            // Proposed before a split applied: applied in one range only, it would part the
            // ranges' schemas (and their table ids). Every replica refuses it alike.
            refusal = new Outcome.Refused(SqlStates.RANGE_MISMATCH, "range " + range + ": " + SCHEMA_CHANGE_AFTER_SPLIT);
        } else if (command.hasSchemaChange() && command.getSchemaChange().getFannedOut()
                && command.getSchemaChange().getLogSeq() == 0 && !firstDataRange()) {
            refusal = new Outcome.Refused(SqlStates.NOT_SUPPORTED, "range " + range + " is not the first data range, "
                    + "which gives schema changes their place (it split since the change was proposed)");
        } else if (command.hasSchemaChange() && command.getSchemaChange().getLogSeq() > SchemaLog.last(apply) + 1) {
            refusal = new Outcome.Refused(SqlStates.SCHEMA_BEHIND,
                    behind(SchemaLog.last(apply), command.getSchemaChange().getLogSeq()));
        } else if (command.hasSplit() && membership != null && membership.joint()) {
            // The new range would start in the middle of a membership change it did not make:
            // every replica sees the same members at this entry, so every one refuses alike.
            refusal = new Outcome.Refused(SqlStates.UNAVAILABLE, "range " + range + " is changing its members; "
                    + "split it once that is done");
        } else if (command.hasSplit()) {
            Split split = command.getSplit();
            refusal = splits.refusal(apply, requireBounds(), Key.of(split.getSplitKey().toByteArray()), split.getGeneration())
                    .map(why -> new Outcome.Refused(SqlStates.NOT_SUPPORTED, "range " + range + ": " + why))
                    .orElse(null);
        }
        if (refusal != null) {
            Outcome.Refused refused = refusal;
            // A write refused because the range's keys moved is not its final answer: routed again,
            // it runs in the range that owns them now, so its retry under the same sequence must
            // not be answered with this refusal (nothing of it was applied anywhere).
            boolean final_ = !SqlStates.RANGE_MISMATCH.equals(refused.sqlState());
            finishWithout(own, refusal.message(), at, c -> {
                if (final_) {
                    sessions.record(c, command, refused, e.index());
                }
                return null;
            });
            return refusal;
        }
        if (command.hasSplit()) {
            return applySplit(e, command, at, membership);
        }
        if (command.hasSchemaChange()) {
            SchemaChange change = command.getSchemaChange();
            long logged = change.getFannedOut() ? SchemaLog.last(apply) : 0;
            if (change.getFannedOut() && change.getLogSeq() != 0 && change.getLogSeq() <= logged) {
                // Fanned out twice (two nodes brought this range up to date at once): it ran here already.
                Outcome ranBefore = new Outcome.Applied(range, e.index());
                finishWithout(own, "the schema change ran here already", at, c -> {
                    sessions.record(c, command, ranBefore, e.index());
                    return null;
                });
                return ranBefore;
            }
            Outcome outcome = schemaChanges.apply(apply, e.index(), change, schema);
            if (change.getFannedOut() && outcome instanceof Outcome.Applied) {
                SchemaLog.append(apply, change.getLogSeq() == 0 ? logged + 1 : change.getLogSeq(), change);
            }
            sessions.record(apply, command, outcome, e.index());
            writePosition(apply, at);
            apply.commit();
            return outcome;
        }
        if (command.hasPrepare()) {
            return applyPrepare(command, own, at);
        }
        Outcome done = new Outcome.Applied(range, e.index(), command.getSession().getUpdateCount());
        SqlWork<Void> bookkeeping = c -> {
            sessions.record(c, command, done, e.index());
            return null;
        };
        // A transaction a schema change rolled back just as it was proposed is no longer there to
        // commit: its entry applies like anyone else's.
        if (own != null && own.term == e.term() && own.state() == HeldTransaction.State.PROPOSED) {
            held.forget(own);
            own.commit(c -> {
                writePosition(c, at);
                return bookkeeping.run(c);
            });
            return done;
        }
        if (own != null) {
            release(own, "another replica's entry took its place");
        }
        try {
            RowImages.apply(apply, command.getChangeSet());
            bookkeeping.run(apply);
            writePosition(apply, at);
            apply.commit();
        } catch (SQLException failure) {
            apply.rollback();
            throw failure;
        }
        return done;
    }

    /**
     * A part of a transaction across ranges is prepared: every replica keeps its change set in
     * {@code FLOTILLA.PREPARED}; the leader that proposed it keeps its transaction open with its
     * locks (one that lost it while serving takes them again); the record range also creates the
     * transaction's record, {@code PENDING}.
     */
    private Outcome applyPrepare(RangeCommand command, HeldTransaction own, AppliedPosition at) throws SQLException {
        Prepare prepare = command.getPrepare();
        try {
            parts.prepare(apply, prepare, command.getProposedAtMillis());
            writePosition(apply, at);
            apply.commit();
        } catch (SQLException failure) {
            apply.rollback();
            throw failure;
        }
        if (own != null && own.term == at.term() && own.state() == HeldTransaction.State.PROPOSED) {
            parts.hold(prepare.getTxn(), own);
        } else {
            if (own != null) {
                release(own, "another replica's entry took its place");
            }
            if (serving) {
                parts.retake(new PreparedParts.Part(prepare.getTxn(), prepare.getRecordRange(), prepare.getChangeSet(),
                        command.getProposedAtMillis()), holder());
            }
        }
        return new Outcome.Applied(range, at.index());
    }

    /**
     * The decision of a transaction whose record this range keeps: the record's status once the
     * entry applied (see {@link Decide}), with the range's own prepared part resolved to match.
     */
    private Outcome applyDecide(Decide decide, AppliedPosition at, long proposedAtMillis) throws SQLException {
        try {
            TransactionRecords.Status decided = parts.decide(apply, decide, proposedAtMillis);
            writePosition(apply, at);
            apply.commit();
            return decided == TransactionRecords.Status.COMMITTED ? new Outcome.Applied(range, at.index())
                    : new Outcome.Refused(SqlStates.ROLLED_BACK, "the transaction was rolled back: its record in range "
                    + range + " says aborted (a participant could not prepare, or gave up waiting for its coordinator)");
        } catch (SQLException failure) {
            apply.rollback();
            throw failure;
        }
    }

    /**
     * A change set with a key outside the range's span is refused on every replica: proposed
     * before a split applied, it would otherwise put a row into the range that no longer owns it.
     * Only rows of a table the span cuts are keyed one by one.
     */
    private Optional<Outcome.Refused> outsideSpan(ChangeSet changes) throws SQLException {
        KeySpan span = requireBounds().span();
        // A range holding every table needs no look; nor does the meta range, whose tables are its
        // own records (descriptors, catalog, directory), not rows of the user tables' key space.
        if (!split()) {
            return Optional.empty();
        }
        // The ids cached by schema version: no read of FLOTILLA.TABLE_IDS per applied change set.
        return RowKeys.firstOutside(apply, changes, span, TableIds.lookup(tableIds())).map(key -> new Outcome.Refused(SqlStates.RANGE_MISMATCH, "range " + range + " (keys " + span
                + ") does not own key " + key + " of a row the transaction wrote (a split moved it); nothing was "
                + "applied, retry it"));
    }

    private Outcome applySplit(Entry e, RangeCommand command, AppliedPosition at, Membership membership)
            throws SQLException, IOException {
        NewRanges target = newRanges;
        if (target == null || membership == null) {
            throw new IllegalStateException("range " + range + " cannot apply a split: "
                    + (target == null ? "no place for the range it makes is attached" : "the host did not say the members"));
        }
        // Held transactions ran against the whole span; one that wrote above the split key could
        // no longer commit here. All go, and the split counts as a range-wide schema change, so
        // that a change set proposed before it and applied after it is refused on every replica
        // (its leader's transaction is gone, and its rows may have changed since). Splits are rare.
        // No client statement runs meanwhile (as for a schema change, docs/apply-path.md): the
        // rolled back transactions leave no lock behind that the rows' deletion could wait on.
        held.lockOutStatements();
        Outcome done;
        try {
            held.releaseAllOnSplit("the range split");
            bounds = Optional.of(splits.apply(apply, store, requireBounds(), command.getSplit(), at, membership, target));
            schema.changed(apply, e.index(), SchemaDiff.RANGE_WIDE);
            done = new Outcome.Applied(range, e.index());
            sessions.record(apply, command, done, e.index());
            writePosition(apply, at);
            apply.commit();
        } catch (SQLException | IOException | RuntimeException failure) {
            apply.rollback();
            throw failure;
        } finally {
            held.letStatementsIn();
        }
        if (target.isMember(membership)) {
            target.start(command.getSplit().getNewRange());
        }
        return done;
    }

    /** Records the applied position in {@code c}'s transaction, which commits it with the entry's effects. */
    private void writePosition(Connection c, AppliedPosition at) throws SQLException {
        AppliedTable.write(c, at);
        if (options.has(DeliberateBug.BOOKKEEPING_UPDATED_IN_PLACE)) {
            try (Statement update = c.createStatement()) {
                update.executeUpdate("UPDATE FLOTILLA.LAST_APPLIED SET APPLIED_INDEX = " + at.index() + " WHERE ID = 0");
            }
        }
    }

    /**
     * Housekeeping of the bookkeeping tables, at fixed indexes so that every replica deletes the same
     * rows at the same point (idle sessions by the proposing leader's clock, carried in the entry).
     * In a transaction of the apply session's own, before the entry: a crash in between repeats it
     * on replay, which changes nothing. It deletes only rows the apply thread committed, so it never
     * waits on a client's transaction.
     */
    private void tidy(RangeCommand command) throws SQLException {
        try {
            AppliedTable.prune(apply);
            sessions.tidy(apply, command);
            if (command != null && command.getProposedAtMillis() > 0) {
                TransactionRecords.tidy(apply, command.getProposedAtMillis(), options.recordRetention());
            }
            apply.commit();
        } catch (SQLException failure) {
            apply.rollback();
            throw failure;
        }
    }

    private void finishWithout(HeldTransaction own, String because, AppliedPosition at) throws SQLException {
        finishWithout(own, because, at, null);
    }

    /** The entry applies nothing: roll back the leader's transaction for it, record the position. */
    private void finishWithout(HeldTransaction own, String because, AppliedPosition at, SqlWork<Void> bookkeeping)
            throws SQLException {
        if (own != null) {
            release(own, because);
        }
        if (bookkeeping != null) {
            bookkeeping.run(apply);
        }
        writePosition(apply, at);
        apply.commit();
    }

    /**
     * The image is read after this returns, on another thread (the node's image writer for a
     * compaction, the transport for a follower's catch-up) while this replica goes on applying:
     * {@link RangeStore#snapshot()} fixes an H2 MVCC snapshot in this call, at the applied position
     * the host records with it, and produces rows from it as the channel is read, blocking no
     * writer. A schema change applied meanwhile to a table not yet read fails the image
     * ({@code ImageInvalidatedException}); the compaction or transfer is then tried again.
     */
    @Override
    public ReadableByteChannel snapshot() throws IOException {
        try {
            // Not forced first: a restart after a crash starts from the image the log keeps, never
            // from H2's file (RangeStore.open), and a clean shutdown writes everything anyway.
            return store.snapshot();
        } catch (SQLException e) {
            throw new IOException("range " + range + ": taking a snapshot failed", e);
        }
    }

    @Override
    public void restore(ReadableByteChannel image) throws IOException {
        held.releaseAll("the replica is replaced by a snapshot");
        try {
            closeApplySession();
            store.install(image);
            openApplySession();
        } catch (SQLException e) {
            throw new IOException("range " + range + ": installing a snapshot failed", e);
        }
    }

    private void closeApplySession() throws SQLException {
        if (apply != null && !apply.isClosed()) {
            apply.rollback();
            apply.close();
        }
    }

    /**
     * A node crash: everything stops, as after kill -9. The next open of this replica's directory
     * starts from an empty database and rebuilds from the log ({@code RangeStore.open}).
     */
    @Override
    public void crash() {
        rollBackQuietly();
        try {
            store.crash();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "range " + range + ": crashing the store failed", e);
        }
    }

    @Override
    public void close() {
        rollBackQuietly();
        try {
            closeApplySession();
        } catch (SQLException e) {
            throw new UncheckedIOException(new IOException("range " + range + ": closing failed", e));
        }
        closeStoreQuietly();
    }

    private void rollBackQuietly() {
        serving = false;
        leader = false;
        held.releaseAll("the replica is closing");
    }

    private void closeStoreQuietly() {
        try {
            sessions.close();
            store.close();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "range " + range + ": closing the store failed", e);
        }
    }

    long term() {
        return term;
    }

    /**
     * The index of the last schema change this replica applied (0 if none): it rises with every
     * DDL that changed something, on every replica at the same entry, and survives restarts and
     * snapshots. For whoever must follow the range's schema (the catalog) without reading it each time.
     */
    public long schemaVersion() {
        return schema.current();
    }
}
