package io.flotilla.jdbc;

import io.flotilla.protocol.Consistency;
import io.flotilla.protocol.Lsn;
import io.flotilla.protocol.wire.SqlStates;
import java.sql.SQLException;
import java.util.Locale;

/**
 * A read consistency level as users write it: {@code linearizable}, {@code session}, {@code stale},
 * {@code bounded:<millis>} (also {@code bounded(<millis>)}) or {@code lsn:<token>}. A session read
 * and an lsn read are served by any replica that applied the LSN they name: the session's own
 * highest, and for lsn the token too (one another session or process handed over, see
 * {@link LsnToken}), whichever is later.
 *
 * @param atLeast the token of an lsn read; the default instance (index 0) for the other levels
 */
record ConsistencySetting(Consistency.Level level, long maxStalenessMillis, Lsn atLeast) {

    static final ConsistencySetting LINEARIZABLE = new ConsistencySetting(Consistency.Level.LINEARIZABLE, 0);

    ConsistencySetting(Consistency.Level level, long maxStalenessMillis) {
        this(level, maxStalenessMillis, Lsn.getDefaultInstance());
    }

    static ConsistencySetting parse(String text) throws SQLException {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "linearizable":
                return LINEARIZABLE;
            case "session":
                return new ConsistencySetting(Consistency.Level.SESSION, 0);
            case "stale":
                return new ConsistencySetting(Consistency.Level.STALE, 0);
            default:
                break;
        }
        if (s.startsWith("lsn:")) {
            return new ConsistencySetting(Consistency.Level.SESSION, 0, LsnToken.parse(s.substring("lsn:".length())));
        }
        String millis = null;
        if (s.startsWith("bounded:")) {
            millis = s.substring("bounded:".length());
        } else if (s.startsWith("bounded(") && s.endsWith(")")) {
            millis = s.substring("bounded(".length(), s.length() - 1);
        }
        if (millis != null) {
            try {
                long value = Long.parseLong(millis.trim());
                if (value >= 0) {
                    return new ConsistencySetting(Consistency.Level.BOUNDED, value);
                }
            } catch (NumberFormatException ignored) {
                // reported below with the accepted forms
            }
        }
        throw new SQLException("unknown consistency '" + text
                + "': expected linearizable, session, stale, bounded:<millis> or lsn:<range>:<index>",
                SqlStates.INVALID_PARAMETER_VALUE);
    }

    /** The protocol message; min_lsn is the caller's to add, as it changes with every commit. */
    Consistency.Builder toProtocol() {
        Consistency.Builder b = Consistency.newBuilder().setLevel(level);
        if (level == Consistency.Level.BOUNDED) {
            b.setMaxStalenessMillis(maxStalenessMillis);
        }
        return b;
    }

    @Override
    public String toString() {
        if (atLeast.getIndex() > 0) {
            return "lsn:" + LsnToken.format(atLeast);
        }
        return level == Consistency.Level.BOUNDED ? "bounded:" + maxStalenessMillis
                : level.name().toLowerCase(Locale.ROOT);
    }
}
