package io.flotilla.sql.server;

import io.flotilla.protocol.Execute;
import io.flotilla.protocol.ExecuteResult;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.UpdateCount;
import io.flotilla.sql.node.Node;

import java.sql.SQLException;

/**
 * A node's request for a new range id, as it travels in the client protocol (an Execute whose
 * statement is {@value #STATEMENT}, not SQL), to the meta range's leader, which answers with the id
 * as the update count: what the leader of a range that splits asks before it proposes the split.
 * A node that does not lead the meta range answers "not the leader", naming the leader.
 */
final class RangeIdRequest {

    static final String STATEMENT = "FLOTILLA NEW RANGE ID";

    private RangeIdRequest() {
    }

    static boolean is(Execute e) {
        return STATEMENT.equals(e.getSql());
    }

    static Request of() {
        return Request.newBuilder().setExecute(Execute.newBuilder().setSql(STATEMENT).setAutoCommit(true)).build();
    }

    /** Gives an id here if this node leads the meta range. */
    static Response carryOut(Node node, Request request) throws SQLException {
        if (!node.replica(Node.META_RANGE).serving()) {
            return Registration.notLeader(node, request);
        }
        long id = node.rangeIds().next();
        return Response.newBuilder().setId(request.getId())
                .setExecute(ExecuteResult.newBuilder().setUpdate(UpdateCount.newBuilder().setCount(id))).build();
    }
}
