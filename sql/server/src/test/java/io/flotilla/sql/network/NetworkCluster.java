package io.flotilla.sql.network;

import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.sql.nemesis.ProcessCluster;
import io.flotilla.sql.nemesis.RunClock;
import io.flotilla.sql.nemesis.ThreadDump;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Three node processes, each started inside its own network host ({@code ip netns exec NS java
 * -jar flotilla-node.jar ...}), listening on the host's address: Raft on port {@value #RAFT_PORT},
 * clients on {@value #SQL_PORT}. The nodes run from a copy of the node jar, with the JVM flags and
 * node options of {@code cluster-scripts} (heap, exit on OOM, GC log; the Raft timing spelled out);
 * their output and GC logs go to the run's log directory, their data to a temporary directory.
 *
 * <p>{@code ip netns exec} enters the namespace and then executes the JVM in its own process, so
 * the process this class starts is the node's JVM itself. {@link #close()} stops the nodes
 * (SIGTERM, then SIGKILL) and deletes the data; a shutdown hook kills them if the JVM ends first,
 * and {@link NetworkHosts} kills anything left in its namespaces.
 */
final class NetworkCluster implements ProcessCluster, AutoCloseable {

    static final int RAFT_PORT = 7101;
    static final int SQL_PORT = 5101;
    /** The nodes' Raft election timeout; the lease is this minus the clock drift bound (900 ms). */
    static final Duration ELECTION_TIMEOUT = Duration.ofMillis(1000);
    private static final List<String> NODE_OPTIONS = List.of("--election-timeout-ms", String.valueOf(ELECTION_TIMEOUT.toMillis()),
            "--heartbeat-ms", "100", "--max-clock-drift-ms", "100");
    /** The data directories' names start with this, under the temporary directory. */
    private static final String DIRECTORY_PREFIX = "flotilla-network-";
    private static final Duration READY_DEADLINE = Duration.ofSeconds(90);
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(15);

    private final NetworkHosts hosts;
    private final Path logs;
    private final RunClock clock;
    private final BooleanSupplier faultActive;
    private final Path dir;
    private final Map<Long, Process> processes = new TreeMap<>();
    private final Thread killOnExit;
    private boolean closed;

    private NetworkCluster(NetworkHosts hosts, Path logs, RunClock clock, BooleanSupplier faultActive) throws IOException {
        this.hosts = hosts;
        this.logs = logs;
        this.clock = clock;
        this.faultActive = faultActive;
        this.dir = Files.createTempDirectory(DIRECTORY_PREFIX);
        this.killOnExit = new Thread(this::killNow, "flotilla-network-cluster-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Deletes the data directories of clusters whose JVM was killed before it could (the nodes
     * themselves went with their namespaces). Takes the hosts as proof that this run holds them:
     * no other run on this machine has a cluster now.
     */
    static void removeLeftoverDirectories(NetworkHosts heldHosts, RunClock clock) throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> entries = Files.list(tmp)) {
            for (Path d : entries.filter(p -> p.getFileName().toString().startsWith(DIRECTORY_PREFIX)
                    && Files.isDirectory(p)).toList()) {
                clock.log("removing " + d + ", left by an earlier run (nodes on " + heldHosts.clientAddress() + "'s network)");
                deleteTree(d);
            }
        }
    }

    /**
     * Starts a node in each host and returns once every one printed its ready line; on any failure
     * everything started is stopped again.
     *
     * @param faultActive whether a cut is in place now: a node that does not answer then is no stall
     */
    static NetworkCluster start(NetworkHosts hosts, Path nodeJar, Path logs, RunClock clock, BooleanSupplier faultActive)
            throws IOException, InterruptedException {
        NetworkCluster cluster = new NetworkCluster(hosts, logs, clock, faultActive);
        try {
            // A copy: a build running meanwhile must not rewrite the jar under a live node.
            Path jar = cluster.dir.resolve("flotilla-node.jar");
            Files.copy(nodeJar, jar, StandardCopyOption.REPLACE_EXISTING);
            for (long id : hosts.nodes()) {
                cluster.launch(id, jar);
            }
            for (long id : hosts.nodes()) {
                cluster.awaitReady(id);
            }
            clock.log("nodes ready: " + cluster.processes.entrySet().stream()
                    .map(e -> "node " + e.getKey() + " pid " + e.getValue().pid() + " at " + hosts.address(e.getKey()))
                    .toList());
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    private void launch(long id, Path jar) throws IOException {
        Path data = dir.resolve("node" + id);
        Files.createDirectories(data);
        List<String> line = new ArrayList<>(List.of("ip", "netns", "exec", hosts.namespace(id),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+ExitOnOutOfMemoryError",
                "-Xlog:gc:file=" + logs.resolve("node" + id + "-gc.log") + ":time,uptime",
                "-jar", jar.toString(),
                "--node-id", String.valueOf(id),
                "--raft", hosts.address(id) + ":" + RAFT_PORT,
                "--sql", hosts.address(id) + ":" + SQL_PORT,
                "--data-dir", data.toString(),
                "--peers", peers()));
        line.addAll(NODE_OPTIONS);
        Path log = logOf(id);
        Files.writeString(log, "$ " + String.join(" ", line) + "\n");
        Process p = new ProcessBuilder(line).directory(data.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        processes.put(id, p);
    }

    private String peers() {
        StringBuilder b = new StringBuilder();
        for (long id : hosts.nodes()) {
            b.append(b.length() == 0 ? "" : ",").append(id).append('=').append(hosts.address(id)).append(':')
                    .append(RAFT_PORT).append('/').append(hosts.address(id)).append(':').append(SQL_PORT);
        }
        return b.toString();
    }

    /** Polls the node's log for its ready line: the node prints it once both ports listen. */
    private void awaitReady(long id) throws IOException, InterruptedException {
        String ready = "flotilla node " + id + " ready";
        long deadline = System.nanoTime() + READY_DEADLINE.toNanos();
        Process p = processes.get(id);
        while (!Files.readString(logOf(id)).contains(ready)) {
            if (!p.isAlive()) {
                throw new IllegalStateException("node " + id + " exited (" + p.exitValue() + ") before it was ready; "
                        + "the end of " + logOf(id) + ":\n" + tail(logOf(id)));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("node " + id + " not ready after " + READY_DEADLINE.toSeconds()
                        + " s; the end of " + logOf(id) + ":\n" + tail(logOf(id)));
            }
            Thread.sleep(100);
        }
    }

    private Path logOf(long id) {
        return logs.resolve("node" + id + ".log");
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
    }

    @Override
    public List<Long> nodeIds() {
        return hosts.nodes();
    }

    @Override
    public String url(int rotation, String options) {
        List<Long> ids = hosts.nodes();
        StringBuilder b = new StringBuilder("jdbc:flotilla://");
        for (int i = 0; i < ids.size(); i++) {
            b.append(i == 0 ? "" : ",").append(sqlAddress(ids.get((rotation + i) % ids.size())));
        }
        return b.append(options.isEmpty() ? "" : "?" + options).toString();
    }

    @Override
    public String nodeUrl(long id, String options) {
        return "jdbc:flotilla://" + sqlAddress(id) + (options.isEmpty() ? "" : "?" + options);
    }

    private String sqlAddress(long id) {
        return hosts.address(id) + ":" + SQL_PORT;
    }

    @Override
    public long nodeAt(HostAddress clientAddress) {
        for (long id : hosts.nodes()) {
            if (clientAddress.port() == SQL_PORT && clientAddress.host().equals(hosts.address(id))) {
                return id;
            }
        }
        return 0;
    }

    /** Any cut silences nodes for the client (the test JVM): one that does not answer then is no stall. */
    @Override
    public boolean silencedByFault(long id) {
        return faultActive.getAsBoolean();
    }

    @Override
    public String dumpThreads(long id, Path file) {
        Process p = processes.get(id);
        return p == null || !p.isAlive() ? "not running" : ThreadDump.write(p.pid(), file);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stopNodes();
        } finally {
            deleteDirectory();
            try {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            } catch (IllegalStateException ignored) {
                // The JVM is shutting down: the hook runs and finds nothing left to do.
            }
        }
    }

    /** SIGTERM to every node at once (each flushes and closes its logs), SIGKILL to those still up at the deadline. */
    private void stopNodes() {
        processes.values().forEach(Process::destroy);
        long deadline = System.nanoTime() + STOP_DEADLINE.toNanos();
        List<String> killed = new ArrayList<>();
        for (Map.Entry<Long, Process> e : processes.entrySet()) {
            Process p = e.getValue();
            try {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    killed.add("node " + e.getKey());
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        clock.log("nodes stopped" + (killed.isEmpty() ? "" : "; " + killed + " killed after " + STOP_DEADLINE.toSeconds()
                + " s without exiting on SIGTERM"));
    }

    /** The shutdown hook: the JVM is going, so no waiting for a clean stop. */
    private void killNow() {
        processes.values().forEach(Process::destroyForcibly);
        deleteDirectory();
    }

    private void deleteDirectory() {
        try {
            deleteTree(dir);
        } catch (IOException e) {
            // Said loudly; the next run removes it at its start.
            System.err.println("could not delete " + dir + ": " + e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
