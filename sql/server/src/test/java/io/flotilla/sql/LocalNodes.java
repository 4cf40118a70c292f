package io.flotilla.sql;

import io.flotilla.protocol.Admin;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.protocol.wire.NodeConnection;
import io.flotilla.raft.core.Membership;
import io.flotilla.sql.node.LogCompaction;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.NodeConfig;
import io.flotilla.sql.node.NodeEnvironment;
import io.flotilla.sql.server.NodeMain;
import io.flotilla.sql.server.ServingNode;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * N real nodes — each with its own transport, logs, H2 databases and client port on 127.0.0.1 —
 * started from the same command-line flags a node process takes: in this JVM, or, with
 * {@link #processes(int)}, as separate JVM processes that can be killed with SIGKILL. For tests.
 */
final class LocalNodes implements AutoCloseable {

    private final Path root;
    private final Map<Long, String[]> flags = new TreeMap<>();
    private final Map<Long, ServingNode> running = new TreeMap<>();
    private final Map<Long, Process> processes = new TreeMap<>();
    private final Map<Long, MovableClock> stalenessClocks = new TreeMap<>();
    private final boolean separateProcesses;
    private final List<Integer> sqlPorts = new ArrayList<>();

    private final List<String> extraFlags;
    /** What in-JVM nodes take from where they run beyond their flags (log compaction, range options): code, with defaults. */
    private final UnaryOperator<NodeEnvironment> environment;

    LocalNodes(int count) throws Exception {
        this(count, false, List.of(), UnaryOperator.identity());
    }

    /** Nodes as separate JVMs, started with this JVM's class path. */
    static LocalNodes processes(int count) throws Exception {
        return new LocalNodes(count, true, List.of(), UnaryOperator.identity());
    }

    /** Nodes in this JVM started with more flags (node settings under test). */
    static LocalNodes withFlags(int count, String... flags) throws Exception {
        return new LocalNodes(count, false, List.of(flags), UnaryOperator.identity());
    }

    /** Nodes in this JVM that compact their logs by {@code policy} (small thresholds, say). */
    static LocalNodes withLogCompaction(int count, LogCompaction.Policy policy) throws Exception {
        return new LocalNodes(count, false, List.of(), e -> e.withLogCompaction(policy));
    }

    /**
     * Nodes in this JVM whose ranges keep a session's last outcome for {@code ttl} (a short one,
     * say) and forget idle sessions at every entry.
     */
    static LocalNodes withSessionTtl(int count, Duration ttl) throws Exception {
        return new LocalNodes(count, false, List.of(), e -> e.withRangeOptions(e.rangeOptions().withSessionExpiry(ttl, 1)));
    }

    private LocalNodes(int count, boolean separateProcesses, List<String> extraFlags, UnaryOperator<NodeEnvironment> environment)
            throws Exception {
        this.separateProcesses = separateProcesses;
        this.extraFlags = extraFlags;
        this.environment = environment;
        root = Files.createTempDirectory("flotilla-nodes-");
        for (int attempt = 1; ; attempt++) {
            try {
                startAll(count, root.resolve("attempt-" + attempt));
                return;
            } catch (Exception e) {
                // A port found free may be taken (as some socket's ephemeral port) before a node binds it.
                if (!bindFailure(e) || attempt == 5) {
                    close();
                    throw e;
                }
                for (long id : new ArrayList<>(running.keySet())) {
                    running.remove(id).close();
                }
                for (Process p : processes.values()) {
                    p.destroyForcibly().waitFor();
                }
                processes.clear();
                flags.clear();
                sqlPorts.clear();
            }
        }
    }

    private void startAll(int count, Path data) throws Exception {
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
            List<String> args = new ArrayList<>(List.of("--node-id", String.valueOf(id), "--raft", "127.0.0.1:" + p[0],
                "--sql", "127.0.0.1:" + p[1], "--data-dir", data.resolve("node-" + id).toString(),
                "--peers", peers.toString(), "--election-timeout-ms", "300", "--heartbeat-ms", "30",
                "--max-clock-drift-ms", "60"));
            args.addAll(extraFlags);
            flags.put(id, args.toArray(new String[0]));
            start(id);
        }
    }

    private static boolean bindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || String.valueOf(t.getMessage()).contains("cannot listen on")
                    || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
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

    /**
     * Starts one more node, empty, that joins through one node's client port alone ({@code --join
     * host:sqlPort}, no {@code --peers}); returns its id.
     */
    long joinThrough(long seed) throws Exception {
        long id = flags.size() + 1;
        flags.put(id, new String[] {"--node-id", String.valueOf(id), "--raft", "127.0.0.1:" + freePort(),
            "--sql", "127.0.0.1:" + freePort(), "--data-dir", root.resolve("node-" + id).toString(),
            "--election-timeout-ms", "300", "--heartbeat-ms", "30", "--max-clock-drift-ms", "60",
            "--join", "127.0.0.1:" + sqlPorts.get((int) seed - 1)});
        start(id);
        return id;
    }

    void start(long id) throws Exception {
        if (!separateProcesses) {
            NodeConfig config = NodeConfig.parse(flags.get(id));
            running.put(id, ServingNode.start(config, environment.apply(NodeEnvironment.of(config, stalenessClock(id)))));
            return;
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), NodeMain.class.getName()));
        command.addAll(List.of(flags.get(id)));
        Path log = root.resolve("node-" + id + ".log");
        // The log is appended to across restarts: only what this start writes counts.
        int from = Files.exists(log) ? Files.readString(log).length() : 0;
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        processes.put(id, p);
        long deadline = System.nanoTime() + 60_000_000_000L;
        String ready = "flotilla node " + id + " ready";
        while (!Files.exists(log) || !Files.readString(log).substring(from).contains(ready)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("node " + id + " did not start: "
                        + (Files.exists(log) ? Files.readString(log) : "no log"));
            }
            Thread.sleep(50);
        }
    }

    /** Stops a node cleanly (in-JVM: close; a process: SIGTERM and wait). */
    void stop(long id) throws InterruptedException {
        ServingNode n = running.remove(id);
        if (n != null) {
            n.close();
        }
        Process p = processes.remove(id);
        if (p != null) {
            p.destroy();
            p.waitFor();
        }
    }

    /**
     * An in-JVM node stops as if killed ({@link ServingNode#crash()}): nothing flushed, H2 not shut
     * down cleanly, so a restart rebuilds its replicas from their logs.
     */
    void crash(long id) {
        ServingNode n = running.remove(id);
        if (n == null) {
            throw new IllegalStateException("node " + id + " is not running in this JVM");
        }
        n.crash();
    }

    /** kill -9 of a node process. */
    void kill(long id) throws InterruptedException {
        Process p = processes.remove(id);
        if (p == null) {
            throw new IllegalStateException("node " + id + " is not a running process");
        }
        p.destroyForcibly();
        p.waitFor();
    }

    /** SIGSTOP of a node process: it keeps its sockets open and answers nothing, as a host cut off does. */
    void pause(long id) throws Exception {
        signal(id, "STOP");
    }

    /** SIGCONT of a paused node process. */
    void resume(long id) throws Exception {
        signal(id, "CONT");
    }

    private void signal(long id, String signal) throws Exception {
        Process p = processes.get(id);
        if (p == null) {
            throw new IllegalStateException("node " + id + " is not a running process");
        }
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + p.pid() + " failed with " + kill.exitValue());
        }
    }

    /** A node running in this JVM; null if it is not (stopped, crashed, or a process). */
    Node node(long id) {
        ServingNode n = running.get(id);
        return n == null ? null : n.node();
    }

    /** The clock an in-JVM node measures the age of bounded-staleness reads on; kept across restarts. */
    MovableClock stalenessClock(long id) {
        return stalenessClocks.computeIfAbsent(id, k -> new MovableClock());
    }

    /** The URL of one node alone. */
    /** An admin request through node 1 (which forwards range operations to their leader). */
    Response admin(Admin.Builder admin) throws SQLException {
        return admin(1, admin);
    }

    /** Moves range 2's leadership to node {@code to} (in this JVM), asking again until it leads and serves. */
    void transferLeadership(long to) throws Exception {
        Eventually.await("node " + to + " leads range 2", () -> {
            if (node(to).replica(Node.DATA_RANGE).serving()) {
                return true;
            }
            admin(Admin.newBuilder().setRange(Node.DATA_RANGE).setTransferLeadershipTo(to));
            return false;
        });
    }

    /** An admin request through the given node (in this JVM). */
    Response admin(long via, Admin.Builder admin)
            throws SQLException {
        InetSocketAddress first = node(via).sqlAddress();
        Hello hello = Hello.newBuilder()
                .setSessionId(com.google.protobuf.ByteString.copyFromUtf8("local-nodes-admin")).build();
        try (NodeConnection c = NodeConnection.open(
                new HostAddress(first.getHostString(), first.getPort()), hello, 5_000, 30_000, 0)) {
            return c.call(Request.newBuilder().setAdmin(admin));
        }
    }

    /**
     * Adds a learner to a range through each other running node in turn (only the data range's requests
     * are forwarded to the leader; the meta range's must reach its leader), asking again while the
     * range has no leader ready to take it (08F01, 08F02); any other refusal fails the test.
     */
    void addLearner(long range, long node) throws Exception {
        Eventually.await("node " + node + " is added as a learner of range " + range, () -> {
            for (long via : new ArrayList<>(running.keySet())) {
                if (via == node) {
                    continue;
                }
                Response answer = admin(via, Admin.newBuilder()
                        .setRange(range).setAddLearner(node));
                if (!answer.hasError()) {
                    return true;
                }
                String state = answer.getError().getSqlState();
                if (!state.equals("08F01") && !state.equals("08F02")) {
                    throw new AssertionError("add-learner refused: " + answer);
                }
            }
            return false;
        });
    }

    /** Waits for a node (in this JVM) whose replica of the data range leads and serves; returns its id. */
    long awaitServing() throws Exception {
        long[] found = new long[1];
        Eventually.await("range 2 has a serving leader", () -> {
            for (Map.Entry<Long, ServingNode> n : running.entrySet()) {
                if (n.getValue().node().replica(Node.DATA_RANGE).serving()) {
                    found[0] = n.getKey();
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** The data range's membership as the node's Raft core has it. */
    static Membership membership(Node node) throws Exception {
        return node.host().inspect(Node.DATA_RANGE, r -> r.membership()).get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    String url(long id) {
        return "jdbc:flotilla://127.0.0.1:" + sqlPorts.get((int) id - 1);
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
            running.remove(id).close();
        }
        for (Process p : processes.values()) {
            p.destroyForcibly();
        }
        for (Process p : processes.values()) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
