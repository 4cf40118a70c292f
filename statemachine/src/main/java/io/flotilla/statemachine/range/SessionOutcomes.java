package io.flotilla.statemachine.range;

import io.flotilla.statemachine.store.RangeStore;
import io.flotilla.statemachine.wire.RangeCommand;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * Exactly-once for client sessions, over the session table: the one check each command gets when
 * it applies (has the range answered this session's write already?), the record of its outcome,
 * the housekeeping, and the same question asked ahead by a leader or a client thread, which the
 * apply-time check still decides.
 */
final class SessionOutcomes implements AutoCloseable {

    private final long range;
    private final Duration ttl;
    private final LongSupplier wallClockMillis;
    private final RangeStore store;
    /** A session of its own for {@link #lookUp}, which client threads call. */
    private final Object lookups = new Object();
    private Connection lookup;

    SessionOutcomes(long range, Duration ttl, LongSupplier wallClockMillis, RangeStore store) {
        this.range = range;
        this.ttl = ttl;
        this.wallClockMillis = wallClockMillis;
        this.store = store;
    }

    /**
     * The check at apply, in log order on every replica: the outcome the command must get without
     * being applied (a retry whose first attempt applied, an older write, a forgotten session), if
     * any. The time is the proposing leader's, carried in the command, so every replica decides alike.
     */
    Optional<Outcome> answered(Connection apply, RangeCommand command) throws SQLException {
        if (!command.hasSession()) {
            return Optional.empty();
        }
        return SessionTable.answered(apply, range, command.getSession().getId().toByteArray(),
                command.getSession().getSequence(), command.getSession().getStartedMillis(),
                command.getProposedAtMillis(), ttl.toMillis());
    }

    /** Asked ahead, in {@code c}'s transaction (a leader about to propose): spares a useless entry. */
    Optional<Outcome> answeredAhead(Connection c, byte[] session, long startedMillis, long sequence) throws SQLException {
        return SessionTable.answered(c, range, session, sequence, startedMillis, wallClockMillis.getAsLong(), ttl.toMillis());
    }

    /** Asked ahead from a client thread, on a connection of its own. */
    Optional<Outcome> lookUp(byte[] session, long startedMillis, long sequence) throws SQLException {
        synchronized (lookups) {
            if (lookup == null || lookup.isClosed()) {
                lookup = store.connect();
            }
            return answeredAhead(lookup, session, startedMillis, sequence);
        }
    }

    /** Records the command's outcome in {@code c}'s transaction, which commits it with the entry. */
    void record(Connection c, RangeCommand command, Outcome outcome, long index) throws SQLException {
        if (command.hasSession()) {
            SessionTable.record(c, command.getSession().getId().toByteArray(), command.getSession().getSequence(),
                    outcome, index, command.getProposedAtMillis());
        }
    }

    /** Housekeeping before {@code command} (null for an entry that is not a range command). */
    void tidy(Connection apply, RangeCommand command) throws SQLException {
        SessionTable.tidy(apply, command == null ? OptionalLong.empty() : OptionalLong.of(command.getProposedAtMillis()),
                ttl.toMillis(), command == null ? new byte[0] : command.getSession().getId().toByteArray());
    }

    @Override
    public void close() throws SQLException {
        synchronized (lookups) {
            if (lookup != null) {
                lookup.close();
                lookup = null;
            }
        }
    }
}
