package io.flotilla.sql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The flags and the properties file: listen and advertised addresses, joining through seeds, errors. */
class NodeConfigTest {

    private static final String PEERS = "1=flotilla-1.example:7101/flotilla-1.example:5101,"
            + "2=flotilla-2.example:7101/flotilla-2.example:5101,3=flotilla-3.example:7101/flotilla-3.example:5101";

    @TempDir
    Path dir;

    @Test
    void raftAndSqlAloneAreBothTheListenAndTheAdvertisedAddress() throws IOException {
        NodeConfig c = parse("--node-id", "1", "--raft", "127.0.0.1:7101", "--sql", "127.0.0.1:5101",
                "--peers", "1=127.0.0.1:7101/127.0.0.1:5101");
        assertEquals(Endpoint.at(address("127.0.0.1", 7101)), c.raft());
        assertEquals(Endpoint.at(address("127.0.0.1", 5101)), c.sql());
        assertFalse(c.join());
        assertEquals(List.of(), c.seeds());
    }

    @Test
    void listenAndAdvertiseAreSetApartAndWinOverThePlainFlag() throws IOException {
        NodeConfig c = parse("--node-id", "1", "--raft-listen", "0.0.0.0:7101", "--raft-advertise",
                "flotilla-1.example:7101", "--sql", "flotilla-1.example:5101", "--sql-listen", "0.0.0.0:5101",
                "--peers", PEERS);
        assertEquals(new Endpoint(address("0.0.0.0", 7101), address("flotilla-1.example", 7101)), c.raft());
        assertEquals(new Endpoint(address("0.0.0.0", 5101), address("flotilla-1.example", 5101)), c.sql(),
                "--sql stays the advertised address when only --sql-listen is given");
        assertTrue(c.raft().advertise().isUnresolved() && c.peers().get(2L).raft().isUnresolved(),
                "names are kept as names: resolved at each dial, never at start");
    }

    @Test
    void anAdvertisedPortOfZeroIsTheBoundPort() {
        Endpoint e = Endpoint.at(address("127.0.0.1", 0));
        assertEquals(address("127.0.0.1", 40123), e.advertised(new InetSocketAddress("127.0.0.1", 40123)));
        Endpoint mapped = new Endpoint(address("0.0.0.0", 7101), address("gateway.example", 17101));
        assertEquals(address("gateway.example", 17101), mapped.advertised(new InetSocketAddress("0.0.0.0", 7101)));
    }

    @Test
    void aWildcardIsNeverAdvertised() {
        IllegalArgumentException listen = assertThrows(IllegalArgumentException.class, () -> parse("--node-id", "1",
                "--raft-listen", "0.0.0.0:7101", "--sql", "h:5101", "--peers", "1=h:7101/h:5101"));
        assertTrue(listen.getMessage().startsWith("--raft-listen 0.0.0.0:7101 binds every interface, which no other"
                + " machine can dial: add --raft-advertise host:port"), listen.getMessage());
        IllegalArgumentException plain = assertThrows(IllegalArgumentException.class, () -> parse("--node-id", "1",
                "--raft", "h:7101", "--sql", "[::]:5101", "--peers", "1=h:7101/h:5101"));
        assertTrue(plain.getMessage().startsWith("--sql [::]:5101 binds every interface"), plain.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Endpoint(address("h", 1), address("0.0.0.0", 1)));
        assertTrue(Endpoint.isWildcard("0") && Endpoint.isWildcard("::") && Endpoint.isWildcard("0:0:0:0:0:0:0:0"));
        assertFalse(Endpoint.isWildcard("::1") || Endpoint.isWildcard("10.0.0.1") || Endpoint.isWildcard("node0"));
    }

    @Test
    void joinTakesSeedsInsteadOfThePeers() throws IOException {
        NodeConfig seeded = parse("--node-id", "4", "--raft", "h4:7101", "--sql", "h4:5101",
                "--join", "flotilla-1.example:5101,flotilla-2.example:5101");
        assertTrue(seeded.join());
        assertEquals(List.of(address("flotilla-1.example", 5101), address("flotilla-2.example", 5101)), seeded.seeds());
        assertTrue(seeded.peers().isEmpty());

        NodeConfig classic = parse("--node-id", "4", "--raft", "h4:7101", "--sql", "h4:5101", "--peers", PEERS,
                "--join");
        assertTrue(classic.join());
        assertEquals(List.of(), classic.seeds());
        NodeConfig followed = parse("--node-id", "4", "--join", "--raft", "h4:7101", "--sql", "h4:5101",
                "--peers", PEERS);
        assertTrue(followed.join() && followed.seeds().isEmpty(), "--join followed by a flag has no seeds");

        IllegalArgumentException alone = assertThrows(IllegalArgumentException.class,
                () -> parse("--node-id", "4", "--raft", "h4:7101", "--sql", "h4:5101", "--join"));
        assertTrue(alone.getMessage().contains("--join host:sqlPort"), alone.getMessage());
    }

    @Test
    void everyFlagWorksInTheConfigFileAndFlagsWin() throws IOException {
        Path file = dir.resolve("node.properties");
        Files.writeString(file, """
                # node 4 of a cluster on three hosts
                node-id = 4
                raft-listen = 0.0.0.0:7101
                raft-advertise = flotilla-4.example:7101
                sql-listen = 0.0.0.0:5101
                sql-advertise = flotilla-4.example:5101
                data-dir = /var/lib/flotilla
                join = flotilla-1.example:5101
                election-timeout-ms = 1500
                heartbeat-ms = 150
                max-clock-drift-ms = 200
                idle-in-transaction-timeout-ms = 0
                """);
        NodeConfig c = NodeConfig.parse(new String[] {"--config", file.toString(),
            "--sql-advertise", "db4.example:5101"});
        assertEquals(4, c.nodeId());
        assertEquals(new Endpoint(address("0.0.0.0", 7101), address("flotilla-4.example", 7101)), c.raft());
        assertEquals(new Endpoint(address("0.0.0.0", 5101), address("db4.example", 5101)), c.sql(), "the flag wins");
        assertEquals(Path.of("/var/lib/flotilla"), c.dataDir());
        assertEquals(List.of(address("flotilla-1.example", 5101)), c.seeds());
        assertEquals(1500, c.electionTimeout().toMillis());
        assertEquals(150, c.heartbeat().toMillis());
        assertEquals(200, c.maxClockDrift().toMillis());
        assertEquals(0, c.idleInTransactionTimeout().toMillis());

        Files.writeString(file, "node-id=4\nraft=h:1\nsql=h:2\ndata-dir=d\npeers=" + PEERS + "\njoin=true\n");
        NodeConfig classic = NodeConfig.parse(new String[] {"--config", file.toString()});
        assertTrue(classic.join() && classic.seeds().isEmpty() && classic.peers().size() == 3);
    }

    /** The files the README's deployment steps install parse as they say (tests run in sql/server). */
    @Test
    void theShippedExampleFilesParse() throws IOException {
        Path systemd = Path.of("..", "..", "deploy", "systemd");
        NodeConfig first = NodeConfig.parse(new String[] {"--config",
            systemd.resolve("node.properties.example").toString()});
        assertEquals(1, first.nodeId());
        assertEquals(new Endpoint(address("0.0.0.0", 7101), address("db1.example.com", 7101)), first.raft());
        assertEquals(new Endpoint(address("0.0.0.0", 5101), address("db1.example.com", 5101)), first.sql());
        assertEquals(3, first.peers().size());
        assertFalse(first.join());
        NodeConfig fourth = NodeConfig.parse(new String[] {"--config",
            systemd.resolve("node4-join.properties.example").toString()});
        assertTrue(fourth.join() && fourth.peers().isEmpty());
        assertEquals(List.of(address("db1.example.com", 5101), address("db2.example.com", 5101)), fourth.seeds());
    }

    @Test
    void anUnknownFlagOrPropertyIsAnError() throws IOException {
        IllegalArgumentException flag = assertThrows(IllegalArgumentException.class,
                () -> parse("--node-id", "1", "--raft-advertize", "h:7101"));
        assertTrue(flag.getMessage().startsWith("unknown option --raft-advertize"), flag.getMessage());
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "sql-listne=0.0.0.0:5101\n");
        IllegalArgumentException property = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.parse(new String[] {"--config", file.toString()}));
        assertTrue(property.getMessage().startsWith("unknown property sql-listne in " + file), property.getMessage());
    }

    @Test
    void theUsageNamesEveryFlag() {
        for (String name : NodeConfig.NAMES) {
            assertTrue(NodeConfig.USAGE.contains("--" + name), "--help does not mention --" + name);
        }
    }

    private NodeConfig parse(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--data-dir", dir.toString()));
        return NodeConfig.parse(all.toArray(new String[0]));
    }

    private static InetSocketAddress address(String host, int port) {
        return InetSocketAddress.createUnresolved(host, port);
    }
}
