package io.flotilla.jdbc;

import io.flotilla.jdbc.fake.FakeCluster;
import io.flotilla.jdbc.fake.FakeNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Base of tests that talk to fake nodes: a fresh cluster of two nodes per test, on ephemeral ports. */
abstract class FakeClusterTest {
    FakeCluster cluster;
    FakeNode node1;
    FakeNode node2;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = new FakeCluster();
        node1 = cluster.startNode();
        node2 = cluster.startNode();
        // The driver remembers, JVM-wide, nodes whose links failed and tries them last; tests run in
        // parallel on ephemeral ports, so a port another test's dead node had may be one of these
        // nodes now, and its connection would start on node2 (a CI run saw FailoverTest fail so).
        SuspectNodes.SHARED.trust(node1.address());
        SuspectNodes.SHARED.trust(node2.address());
    }

    @AfterEach
    void stopCluster() throws SQLException {
        cluster.close();
    }

    /** Connects through DriverManager, as an application would; node1 is first in the URL. */
    Connection connect(String options) throws SQLException {
        return DriverManager.getConnection(cluster.url() + (options.isEmpty() ? "" : "?" + options), new Properties());
    }

    Connection connect() throws SQLException {
        return connect("failoverTimeout=5000");
    }
}
