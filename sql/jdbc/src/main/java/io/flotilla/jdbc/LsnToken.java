package io.flotilla.jdbc;

import io.flotilla.protocol.Lsn;
import io.flotilla.protocol.wire.SqlStates;
import java.sql.SQLException;

/**
 * An LSN as text, {@code <range>:<index>} (such as {@code 2:18344}): what a session hands to
 * another session or process so that its reads on any replica include this session's writes
 * (the causal-consistency recipe in the README).
 */
final class LsnToken {

    private LsnToken() {
    }

    static String format(Lsn lsn) {
        return lsn.getRange() + ":" + lsn.getIndex();
    }

    static Lsn parse(String token) throws SQLException {
        String text = token == null ? "" : token.trim();
        int colon = text.indexOf(':');
        try {
            if (colon > 0) {
                long range = Long.parseLong(text.substring(0, colon));
                long index = Long.parseLong(text.substring(colon + 1));
                if (range > 0 && index >= 0) {
                    return Lsn.newBuilder().setRange(range).setIndex(index).build();
                }
            }
        } catch (NumberFormatException ignored) {
            // reported below with the expected form
        }
        throw new SQLException("not an LSN token: '" + token + "' (expected <range>:<index>, such as 2:18344)",
                SqlStates.INVALID_PARAMETER_VALUE);
    }
}
