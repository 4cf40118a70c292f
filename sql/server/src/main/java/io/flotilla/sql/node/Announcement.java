package io.flotilla.sql.node;

import io.flotilla.protocol.Execute;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Value;

import java.sql.SQLException;

/**
 * A node's announcement of its addresses, as it travels in the client protocol: an Execute whose
 * statement is {@value #STATEMENT} (not SQL: no range runs it) with the node id, Raft address and
 * client address as parameters.
 *
 * <p>It rides on the client protocol because the protocol must not change for it and a node that
 * joined holds no replica of the meta range to propose through: the node sends it to any node it
 * knows, and whichever leads the meta range records it (the others answer "not the leader", naming
 * the leader where they know it). The admin path that adds a learner could not write the entry
 * instead: its request carries the node id alone, and only the node knows its client address.
 * Like every request on the client port it is not authenticated: the cluster trusts its network.
 */
public final class Announcement {

    static final String STATEMENT = "FLOTILLA ANNOUNCE NODE";
    private static final String PROTOCOL_VIOLATION = "08P01";

    private Announcement() {
    }

    /** Whether an Execute is a node's announcement rather than SQL. */
    public static boolean is(Execute e) {
        return STATEMENT.equals(e.getSql());
    }

    static Request.Builder of(Peer self) {
        return Request.newBuilder().setExecute(Execute.newBuilder().setSql(STATEMENT).setAutoCommit(true)
                .addParameters(Value.newBuilder().setLong(self.id()))
                .addParameters(Value.newBuilder().setString(Peer.format(self.raft())))
                .addParameters(Value.newBuilder().setString(Peer.format(self.sql()))));
    }

    /** The announced entry; {@code 08P01} if the announcement is malformed. */
    public static Peer parse(Execute e) throws SQLException {
        if (!is(e) || e.getParametersCount() != 3 || e.getParameters(0).getKindCase() != Value.KindCase.LONG
                || e.getParameters(1).getKindCase() != Value.KindCase.STRING
                || e.getParameters(2).getKindCase() != Value.KindCase.STRING) {
            throw new SQLException("a node announcement carries a node id, a Raft address and a client address",
                    PROTOCOL_VIOLATION);
        }
        long id = e.getParameters(0).getLong();
        if (id <= 0) {
            throw new SQLException("a node announcement names node " + id + ": node ids are positive",
                    PROTOCOL_VIOLATION);
        }
        try {
            return new Peer(id, Peer.address(e.getParameters(1).getString()), Peer.address(e.getParameters(2).getString()));
        } catch (IllegalArgumentException bad) {
            throw new SQLException("node " + id + " announced an unusable address: " + bad.getMessage(),
                    PROTOCOL_VIOLATION, bad);
        }
    }
}
