package io.flotilla.sql;

import static io.flotilla.sql.Eventually.await;
import static io.flotilla.sql.Eventually.within;

import io.flotilla.jdbc.FlotillaConnection;
import io.flotilla.protocol.Admin;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.raft.core.Membership;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.Peer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A node that joined after the cluster was configured, promoted and made the data range's leader,
 * is reached through a node whose static configuration never heard of it: that node finds the
 * joined node's client address in the node directory (the meta range), forwards to it, and lists
 * it in its Hello so the driver learns it.
 */
class NodeDirectoryTest {


    @Test
    void aNodeForwardsToAJoinedLeaderItWasNeverConfiguredWith() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE PARCELS(ID INT PRIMARY KEY, LABEL VARCHAR(20))");
                s.executeUpdate("INSERT INTO PARCELS VALUES (0, 'before the join')");
            }
            long joined = nodes.join();
            assertFalse(nodes.node(1).config().peers().containsKey(joined), "node 1 is not configured with the joined node");

            nodes.addLearner(Node.DATA_RANGE, joined);
            await("node " + joined + " is a voter of the data range", () -> {
                Membership m = LocalNodes.membership(nodes.node(1));
                if (m.learners().contains(joined) && !m.joint()) {
                    // Refused while it is too far behind or a change is pending: asked again next round.
                    nodes.admin(Admin.newBuilder().setRange(Node.DATA_RANGE).setPromote(joined));
                }
                m = LocalNodes.membership(nodes.node(1));
                return m.isVoter(joined) && !m.joint();
            });
            await("node " + joined + " leads the data range", () -> {
                nodes.admin(Admin.newBuilder().setRange(Node.DATA_RANGE).setTransferLeadershipTo(joined));
                // Refused while it is behind: asked again once this round had its time.
                return within(Duration.ofSeconds(3), () -> nodes.node(joined).replica(Node.DATA_RANGE).serving());
            });

            InetSocketAddress at = nodes.node(joined).sqlAddress();
            HostAddress joinedAddress = new HostAddress(at.getHostString(), at.getPort());
            InetSocketAddress first = nodes.node(1).sqlAddress();
            HostAddress firstAddress = new HostAddress(first.getHostString(), first.getPort());

            // (a) Node 1 alone in the URL: the first write goes to the leader, node 4, through node 1
            // (the joined node announced itself when it started, well before now), whose answer names
            // node 4; the driver then talks to node 4 itself.
            try (Connection c = DriverManager.getConnection(nodes.url(1)); Statement s = c.createStatement()) {
                FlotillaConnection flotilla = c.unwrap(FlotillaConnection.class);
                assertEquals(firstAddress.toString(), flotilla.getCurrentNode());
                assertEquals(1, s.executeUpdate("INSERT INTO PARCELS VALUES (100, 'via node 1')"));
                assertEquals(joinedAddress.toString(), flotilla.getCurrentNode(),
                        "node 1 forwarded to node 4 and named it; the driver moved there");
                for (int i = 1; i <= 5; i++) {
                    assertEquals(1, s.executeUpdate("INSERT INTO PARCELS VALUES (" + i + ", 'via node 1')"));
                    try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM PARCELS")) {
                        assertTrue(rs.next());
                        assertEquals(i + 2, rs.getInt(1), "a linearizable read sees every write before it");
                    }
                }
                try (ResultSet rs = s.executeQuery("SELECT MAX(REPORTED_BY) FROM FLOTILLA.REPLICAS")) {
                    assertTrue(rs.next());
                    assertEquals(joined, rs.getLong(1), "the joined node, as leader, served the statements");
                }
            }
            assertEquals(joinedAddress.port(), nodes.node(1).sqlAddressOf(joined).orElseThrow().getPort(),
                    "node 1 found the joined node's client port in the directory");

            // (b) Node 1's Hello lists the joined node, so the driver can fail over to it.
            try (Connection c = DriverManager.getConnection(nodes.url(1))) {
                List<String> known = c.unwrap(FlotillaConnection.class).getKnownNodes();
                assertTrue(known.contains(joinedAddress.toString()), "the driver learns node " + joined + ": " + known);
            }
            assertTrue(nodes.node(joined).replica(Node.DATA_RANGE).serving(), "the joined node still leads");
            assertEquals(joinedAddress.port(), nodes.node(1).sqlAddressOf(joined).orElseThrow().getPort());
        }
    }

    @Test
    void theDirectoryHoldsEveryNodeAndWritesOnlyWhatChanged() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            await("every node's replica of the meta range lists all three nodes", () -> {
                for (long id = 1; id <= 3; id++) {
                    if (nodes.node(id).directory().entries().size() != 3) {
                        return false;
                    }
                }
                return true;
            });
            for (long id = 1; id <= 3; id++) {
                Peer entry = nodes.node(1).directory().entry(id).orElseThrow();
                assertEquals(nodes.node(id).sqlAddress().getPort(), entry.sql().getPort(), "node " + id + "'s client port");
                assertEquals(nodes.node(id).raftAddress().getPort(), entry.raft().getPort(), "node " + id + "'s Raft port");
            }
            Node leader = metaLeader(nodes);
            Peer two = leader.directory().entry(2).orElseThrow();
            assertFalse(leader.directory().record(two), "the same addresses again write nothing");

            Peer moved = new Peer(2, two.raft(), InetSocketAddress.createUnresolved(two.sql().getHostString(),
                    two.sql().getPort() + 1));
            assertTrue(leader.directory().record(moved), "changed addresses are written");
            await("every replica of the meta range has node 2's new entry", () -> {
                for (long id = 1; id <= 3; id++) {
                    if (!nodes.node(id).directory().entry(2).orElseThrow().equals(moved)) {
                        return false;
                    }
                }
                return true;
            });
            Node follower = nodes.node(leader.id() == 1 ? 2 : 1);
            SQLException refused = assertThrows(SQLException.class, () -> follower.directory().record(two));
            assertEquals("08F01", refused.getSQLState(), "only the meta range's leader writes the directory");
        }
    }

    /**
     * A node given one seed — a follower's client address — and no peers is reached by the data
     * range's leader, which it never dialed: the leader finds its Raft address in the node
     * directory, where the node's announcement through the seed put it.
     */
    @Test
    void aNodeJoinsThroughOneSeedAndTheLeaderFindsItInTheDirectory() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE SEEDED(ID INT PRIMARY KEY)");
                for (int i = 0; i < 5; i++) {
                    s.executeUpdate("INSERT INTO SEEDED VALUES (" + i + ")");
                }
            }
            long leader = nodes.awaitServing();
            long seed = leader == 1 ? 2 : 1;
            long joined = nodes.joinThrough(seed);
            assertTrue(nodes.node(joined).config().peers().isEmpty(), "the joined node knows no peers");
            await("the joined node is in the node directory of the data range's leader",
                    () -> nodes.node(leader).directory().entry(joined).isPresent());

            nodes.addLearner(Node.DATA_RANGE, joined);
            nodes.addLearner(Node.META_RANGE, joined);
            await("the joined node's replica of the data range holds every row", () -> {
                try (Connection c = nodes.node(joined).replica(Node.DATA_RANGE).store().connect();
                     Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM SEEDED")) {
                    return rs.next() && rs.getInt(1) == 5;
                } catch (SQLException tableNotThereYet) {
                    return false;
                }
            });
            await("the joined node's replica of the meta range lists every node",
                    () -> nodes.node(joined).directory().entries().keySet().equals(Set.of(1L, 2L, 3L, joined)));
        }
    }

    private static Node metaLeader(LocalNodes nodes) throws Exception {
        Node[] leader = new Node[1];
        await("the meta range has a serving leader", () -> {
            for (long id = 1; id <= 3; id++) {
                if (nodes.node(id).directory().leads()) {
                    leader[0] = nodes.node(id);
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

}
