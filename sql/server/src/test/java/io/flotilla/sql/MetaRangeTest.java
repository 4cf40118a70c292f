package io.flotilla.sql;

import static io.flotilla.sql.Eventually.await;
import static io.flotilla.sql.Eventually.within;

import io.flotilla.protocol.Admin;
import io.flotilla.raft.core.Membership;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.RangeDescriptor;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.TableName;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The meta range records a descriptor of every range (span, generation, members) and the catalog
 * (which range holds each table): written by its leader at the cluster's start, after membership
 * changes and after DDL, replicated to every node's meta replica, and shown by
 * {@code FLOTILLA.RANGE_DESCRIPTORS} and {@code FLOTILLA.CATALOG}.
 */
class MetaRangeTest {

    private static final Set<Long> FIRST_THREE = Set.of(1L, 2L, 3L);

    @Test
    void everyNodesMetaReplicaDescribesBothRangesAfterStart() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            await("every node's meta replica holds the descriptors of ranges 1 and 2", () -> {
                for (long id = 1; id <= 3; id++) {
                    if (!nodes.node(id).rangeDescriptors().entries().keySet().equals(Set.of(1L, 2L))) {
                        return false;
                    }
                }
                return true;
            });
            for (long id = 1; id <= 3; id++) {
                RangeDescriptor meta = nodes.node(id).rangeDescriptors().entry(Node.META_RANGE).orElseThrow();
                assertEquals(RangeDescriptor.META, meta.name());
                assertEquals(KeySpan.META, meta.span());
                assertEquals(1, meta.generation());
                assertEquals(FIRST_THREE, meta.voters(), "node " + id + ": the meta range's voters");
                assertTrue(meta.learners().isEmpty());

                RangeDescriptor data = nodes.node(id).rangeDescriptors().entry(Node.DATA_RANGE).orElseThrow();
                assertEquals(RangeDescriptor.DATA, data.name());
                assertEquals(KeySpan.ALL_TABLES, data.span());
                assertNull(data.span().end(), "the data range has no upper bound");
                assertTrue(data.span().contains(KeySpan.ofTable(KeySpan.FIRST_TABLE_ID).start()));
                assertFalse(meta.span().contains(KeySpan.ofTable(KeySpan.FIRST_TABLE_ID).start()));
                assertEquals(1, data.generation());
                assertEquals(FIRST_THREE, data.voters(), "node " + id + ": the data range's voters");
                assertTrue(data.learners().isEmpty());
            }

            // The view, through the driver, on each node in turn.
            for (long id = 1; id <= 3; id++) {
                try (Connection c = DriverManager.getConnection(nodes.url(id) + "?consistency=stale");
                     Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT RANGE_ID, NAME, START_KEY, END_KEY, GENERATION, VOTERS, "
                             + "LEARNERS FROM FLOTILLA.RANGE_DESCRIPTORS ORDER BY RANGE_ID")) {
                    assertTrue(rs.next());
                    // Spans as byte keys (getString reads bytes as UTF-8, as H2's does): 01 01 is
                    // table 1's prefix, a width byte and then the id.
                    String firstTable = new String(new byte[] {1, 1}, StandardCharsets.UTF_8);
                    assertEquals(List.of("1", "meta", "", firstTable, "1", "1,2,3", ""), row(rs, 7));
                    assertTrue(rs.next());
                    assertEquals(Arrays.asList("2", "data", firstTable, null, "1", "1,2,3", ""), row(rs, 7));
                    assertFalse(rs.next());
                }
            }
        }
    }

    @Test
    void theDataRangesDescriptorFollowsAJoinedNodeFromLearnerToVoter() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            await("the data range is described", () -> nodes.node(1).rangeDescriptors().entry(Node.DATA_RANGE).isPresent());
            long joined = nodes.join();

            nodes.addLearner(Node.DATA_RANGE, joined);
            await("every meta replica lists node " + joined + " as a learner of the data range", () -> {
                for (long id = 1; id <= 3; id++) {
                    Optional<RangeDescriptor> d = nodes.node(id).rangeDescriptors().entry(Node.DATA_RANGE);
                    if (d.isEmpty() || !d.get().learners().equals(Set.of(joined))) {
                        return false;
                    }
                }
                return true;
            });
            RangeDescriptor learner = nodes.node(1).rangeDescriptors().entry(Node.DATA_RANGE).orElseThrow();
            assertEquals(FIRST_THREE, learner.voters());
            assertEquals(1, learner.generation(), "members do not move the generation, which counts changes of span");

            await("node " + joined + " is a voter of the data range", () -> {
                Membership m = LocalNodes.membership(nodes.node(1));
                if (m.learners().contains(joined) && !m.joint()) {
                    // Refused while it is too far behind or a change is pending: asked again next round.
                    nodes.admin(Admin.newBuilder().setRange(Node.DATA_RANGE).setPromote(joined));
                }
                m = LocalNodes.membership(nodes.node(1));
                return m.isVoter(joined) && !m.joint();
            });
            await("every meta replica lists node " + joined + " as a voter of the data range", () -> {
                for (long id = 1; id <= 3; id++) {
                    Optional<RangeDescriptor> d = nodes.node(id).rangeDescriptors().entry(Node.DATA_RANGE);
                    if (d.isEmpty() || !d.get().voters().contains(joined)) {
                        return false;
                    }
                }
                return true;
            });
            RangeDescriptor voter = nodes.node(2).rangeDescriptors().entry(Node.DATA_RANGE).orElseThrow();
            assertEquals(Set.of(1L, 2L, 3L, joined), voter.voters());
            assertTrue(voter.learners().isEmpty());
            assertEquals(1, voter.generation(), "nor does a promotion");
            RangeDescriptor meta = nodes.node(2).rangeDescriptors().entry(Node.META_RANGE).orElseThrow();
            assertEquals(FIRST_THREE, meta.voters(), "the meta range's members did not change");
            assertEquals(1, meta.generation());

            try (Connection c = DriverManager.getConnection(nodes.url(3) + "?consistency=stale");
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery(
                         "SELECT VOTERS, LEARNERS, GENERATION FROM FLOTILLA.RANGE_DESCRIPTORS WHERE RANGE_ID = 2")) {
                assertTrue(rs.next());
                assertEquals(List.of("1,2,3," + joined, "", "1"), row(rs, 3));
            }
        }
    }

    @Test
    void theCatalogFollowsCreateRenameAndDropTableOnEveryNode() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE CRATES(ID INT PRIMARY KEY, LABEL VARCHAR(20))");
                s.execute("CREATE SCHEMA HOLD");
                s.execute("CREATE TABLE HOLD.BARRELS(ID INT PRIMARY KEY)");
            }
            Map<TableName, Long> both = new TreeMap<>(Map.of(new TableName("PUBLIC", "CRATES"), Node.DATA_RANGE,
                    new TableName("HOLD", "BARRELS"), Node.DATA_RANGE));
            awaitCatalog(nodes, both);
            long version = nodes.node(1).replica(Node.DATA_RANGE).schemaVersion();
            await("the data range's descriptor names the schema change the catalog reflects", () ->
                    nodes.node(1).rangeDescriptors().entry(Node.DATA_RANGE).orElseThrow().schemaIndex() == version);
            assertEquals(List.of(List.of("HOLD", "BARRELS", "2"), List.of("PUBLIC", "CRATES", "2")), catalogView(nodes, 2));

            // Another node leads the meta range from here on: it takes over keeping the catalog.
            Node metaLeader = metaLeader(nodes);
            long next = metaLeader.id() % 3 + 1;
            await("node " + next + " leads the meta range", () -> {
                metaLeader.host().inspect(Node.META_RANGE, r -> r.transferLeadership(next)).get(5, TimeUnit.SECONDS);
                return within(Duration.ofSeconds(3), () -> nodes.node(next).replica(Node.META_RANGE).serving());
            });

            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("DROP TABLE CRATES");
                s.execute("CREATE INDEX BARRELS_BY_ID ON HOLD.BARRELS(ID)");
            }
            awaitCatalog(nodes, Map.of(new TableName("HOLD", "BARRELS"), Node.DATA_RANGE));
            assertEquals(List.of(List.of("HOLD", "BARRELS", "2")), catalogView(nodes, 3));

            // A rename keeps the table's id, and so its catalog row, under the new name.
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE HOLD.BARRELS RENAME TO CASKS");
            }
            awaitCatalog(nodes, Map.of(new TableName("HOLD", "CASKS"), Node.DATA_RANGE));

            // The views live in the FLOTILLA schema, which client SQL may not change.
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                SQLException insert = assertThrows(SQLException.class,
                        () -> s.executeUpdate("INSERT INTO FLOTILLA.CATALOG VALUES ('PUBLIC', 'FAKE', 2)"));
                assertEquals("0A000", insert.getSQLState(), insert.getMessage());
                SQLException drop = assertThrows(SQLException.class, () -> s.execute("DROP VIEW FLOTILLA.CATALOG"));
                assertEquals("0A000", drop.getSQLState(), drop.getMessage());
            }
            assertEquals(List.of(List.of("HOLD", "CASKS", "2")), catalogView(nodes, 1));
        }
    }

    private static void awaitCatalog(LocalNodes nodes, Map<TableName, Long> expected) throws Exception {
        await("every node's meta replica catalogs " + expected, () -> {
            for (long id = 1; id <= 3; id++) {
                if (!nodes.node(id).catalog().entries().equals(expected)) {
                    return false;
                }
            }
            return true;
        });
    }

    /** FLOTILLA.CATALOG as one node answers it (from its own meta replica: a stale read stays there). */
    private static List<List<String>> catalogView(LocalNodes nodes, long id) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(nodes.url(id) + "?consistency=stale");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(
                     "SELECT TABLE_SCHEMA, TABLE_NAME, RANGE_ID FROM FLOTILLA.CATALOG ORDER BY TABLE_SCHEMA, TABLE_NAME")) {
            while (rs.next()) {
                rows.add(row(rs, 3));
            }
        }
        return rows;
    }

    private static List<String> row(ResultSet rs, int columns) throws SQLException {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
            row.add(rs.getString(i));
        }
        return row;
    }

    private static Node metaLeader(LocalNodes nodes) throws Exception {
        Node[] leader = new Node[1];
        await("the meta range has a serving leader", () -> {
            for (long id = 1; id <= 3; id++) {
                if (nodes.node(id).replica(Node.META_RANGE).serving()) {
                    leader[0] = nodes.node(id);
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

}
