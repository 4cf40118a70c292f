package io.flotilla.sql;

import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.NodeConfig;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * N real nodes in this JVM — each with its own transport, logs, H2 databases and client port on
 * 127.0.0.1 — started from the same command-line flags a node process takes. For tests.
 */
final class LocalNodes implements AutoCloseable {

    private final Path root;
    private final Map<Long, String[]> flags = new TreeMap<>();
    private final Map<Long, Node> running = new TreeMap<>();
    private final List<Integer> sqlPorts = new ArrayList<>();

    LocalNodes(int count) throws Exception {
        root = Files.createTempDirectory("flotilla-nodes-");
        List<int[]> ports = new ArrayList<>();
        StringBuilder peers = new StringBuilder();
        for (int id = 1; id <= count; id++) {
            int[] p = {freePort(), freePort()};
            ports.add(p);
            sqlPorts.add(p[1]);
            peers.append(peers.length() == 0 ? "" : ",").append(id).append("=127.0.0.1:").append(p[0])
                    .append("/127.0.0.1:").append(p[1]);
        }
        for (long id = 1; id <= count; id++) {
            int[] p = ports.get((int) id - 1);
            flags.put(id, new String[] {"--node-id", String.valueOf(id), "--raft", "127.0.0.1:" + p[0],
                "--sql", "127.0.0.1:" + p[1], "--data-dir", root.resolve("node-" + id).toString(),
                "--peers", peers.toString(), "--election-timeout-ms", "300", "--heartbeat-ms", "30",
                "--max-clock-drift-ms", "60"});
            start(id);
        }
    }

    /** Starts one more node, empty, with --join, that knows the others as its peers; returns its id. */
    long join() throws Exception {
        long id = flags.size() + 1;
        String[] first = flags.get(1L);
        String peers = first[9];
        flags.put(id, new String[] {"--node-id", String.valueOf(id), "--raft", "127.0.0.1:" + freePort(),
            "--sql", "127.0.0.1:" + freePort(), "--data-dir", root.resolve("node-" + id).toString(),
            "--peers", peers, "--election-timeout-ms", "300", "--heartbeat-ms", "30",
            "--max-clock-drift-ms", "60", "--join"});
        start(id);
        return id;
    }

    void start(long id) throws Exception {
        running.put(id, Node.start(NodeConfig.parse(flags.get(id))));
    }

    void stop(long id) {
        Node n = running.remove(id);
        if (n != null) {
            n.close();
        }
    }

    Node node(long id) {
        return running.get(id);
    }

    String url() {
        StringBuilder b = new StringBuilder("jdbc:flotilla://");
        for (int i = 0; i < sqlPorts.size(); i++) {
            b.append(i == 0 ? "" : ",").append("127.0.0.1:").append(sqlPorts.get(i));
        }
        return b.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        for (long id : new ArrayList<>(running.keySet())) {
            stop(id);
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
