package io.flotilla.sql.nemesis;

import io.flotilla.protocol.wire.HostAddress;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Three node processes on 127.0.0.1, run and hurt only through {@code cluster-scripts} (start,
 * kill, restart, pause, resume, stop), in a cluster directory of their own under a temporary
 * directory and on ports of their own, so that a developer's cluster or another test run is
 * never touched.
 *
 * <p>It never builds: {@code FLOTILLA_SKIP_BUILD=1}, and {@code sql/server/target/flotilla-node.jar}
 * must exist ({@code mvn -B -ntp -DskipTests install} at the repository root, before the
 * {@code nemesis} profile runs). The nodes run from a copy of that jar in the cluster directory,
 * so that a build running meanwhile cannot rewrite the jar under a live node or a restart.
 *
 * <p>The Raft traffic between the nodes goes through one {@link RaftLinkProxy} per direction, so
 * that the test can partition nodes: {@code start} creates the cluster with the scripts' own
 * command lines, then it is stopped once and each node's recorded command line
 * ({@code nodeID/cmdline}, which {@code start} and {@code restart} reuse) gets a {@code --peers}
 * list that names the proxies as the other nodes' Raft addresses. Client ports are not proxied.
 *
 * <p>{@link #close()} stops every node and deletes the directory, after copying the node logs to
 * an archive directory for the report; a shutdown hook kills the nodes if the JVM ends first.
 */
final class ScriptedCluster implements ProcessCluster, AutoCloseable {

    static final List<Long> NODE_IDS = List.of(1L, 2L, 3L);
    /** The nodes' Raft election timeout; the lease is this minus the clock drift bound (900 ms). */
    static final Duration ELECTION_TIMEOUT = Duration.ofMillis(1000);
    /** The defaults, spelled out: the fault schedule is derived from them. */
    private static final String NODE_ARGS = "--election-timeout-ms " + ELECTION_TIMEOUT.toMillis()
            + " --heartbeat-ms 100 --max-clock-drift-ms 100";
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(2);
    /** The {@code time} decorator of -Xlog, e.g. 2026-12-06T20:27:16.123+0000. */
    private static final DateTimeFormatter GC_LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ");

    record ScriptResult(String command, int exitCode, String output) {
        String firstLine() {
            String trimmed = output.strip();
            int nl = trimmed.indexOf('\n');
            return nl < 0 ? trimmed : trimmed.substring(0, nl);
        }
    }

    private final Path repo;
    private final Path dir;
    private final Path logArchive;
    private final int raftBase;
    private final int sqlBase;
    /** The proxy of the link from node i to node j listens on proxyBase + 3 (i - 1) + (j - 1). */
    private final int proxyBase;
    private final Map<String, String> environment = new TreeMap<>();
    /** Keyed "from-to". */
    private final Map<String, RaftLinkProxy> links = new LinkedHashMap<>();
    private final RunClock clock;
    private final Thread killOnExit;
    private volatile boolean closed;

    private ScriptedCluster(Path repo, Path logArchive, RunClock clock) throws IOException {
        this.repo = repo;
        this.logArchive = logArchive;
        this.clock = clock;
        this.dir = Files.createTempDirectory("flotilla-nemesis-");
        int[] bases = freePortBases();
        this.raftBase = bases[0];
        this.sqlBase = bases[1];
        this.proxyBase = bases[2];
        environment.put("FLOTILLA_CLUSTER_DIR", dir.toString());
        environment.put("FLOTILLA_BASE_PORT", String.valueOf(raftBase));
        environment.put("FLOTILLA_SQL_BASE_PORT", String.valueOf(sqlBase));
        environment.put("FLOTILLA_SKIP_BUILD", "1");
        environment.put("FLOTILLA_NODE_ARGS", NODE_ARGS);
        // GC pauses in each node's directory (one file per JVM: restarts keep the earlier ones):
        // a node that stalls without a fault shows up in the timeline, and this tells whether it was GC.
        environment.put("FLOTILLA_JAVA_OPTS", "-Xlog:gc:file=gc-%p.log:time,uptime");
        environment.put("FLOTILLA_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        environment.put("FLOTILLA_STOP_TIMEOUT", "15");
        this.killOnExit = new Thread(this::killNodesNow, "flotilla-nemesis-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** Creates and starts the cluster; on any failure everything started so far is cleaned up. */
    static ScriptedCluster start(Path repo, Path logArchive, RunClock clock) throws Exception {
        Path nodeJar = repo.resolve("sql/server/target/flotilla-node.jar");
        if (!Files.isRegularFile(nodeJar)) {
            throw new IllegalStateException("missing " + nodeJar + ": the nemesis profile runs the jars of an earlier "
                    + "build; run `mvn -B -ntp -DskipTests install` at the repository root first");
        }
        warnIfStale(repo, nodeJar);
        ScriptedCluster cluster = new ScriptedCluster(repo, logArchive, clock);
        try {
            cluster.scriptOrFail("start");
            cluster.scriptOrFail("stop");
            cluster.routeRaftThroughProxies(nodeJar);
            cluster.scriptOrFail("start");
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    @Override
    public List<Long> nodeIds() {
        return NODE_IDS;
    }

    @Override
    public String url(int rotation, String options) {
        StringBuilder b = new StringBuilder("jdbc:flotilla://");
        for (int i = 0; i < NODE_IDS.size(); i++) {
            long id = NODE_IDS.get((rotation + i) % NODE_IDS.size());
            b.append(i == 0 ? "" : ",").append(sqlAddress(id));
        }
        return b.append(options.isEmpty() ? "" : "?" + options).toString();
    }

    @Override
    public String nodeUrl(long id, String options) {
        return "jdbc:flotilla://" + sqlAddress(id) + (options.isEmpty() ? "" : "?" + options);
    }

    /** Every node listens on 127.0.0.1, each on a client port of its own. */
    @Override
    public long nodeAt(HostAddress clientAddress) {
        long id = clientAddress.port() - sqlBase + 1;
        return NODE_IDS.contains(id) && sqlAddress(id).equals(clientAddress.toString()) ? id : 0;
    }

    String sqlAddress(long id) {
        return "127.0.0.1:" + (sqlBase + id - 1);
    }

    Path directory() {
        return dir;
    }

    void kill(long id) throws Exception {
        scriptOrFail("kill", String.valueOf(id));
    }

    /** Starts a killed node again; returns once it printed its ready line. */
    void restart(long id) throws Exception {
        scriptOrFail("restart", String.valueOf(id));
    }

    /** kill -9 of the nodes at once: one script each, side by side (a script takes a while to see its JVM gone). */
    void killAll(List<Long> ids) throws Exception {
        onEach("kill", ids);
    }

    /** Restarts the nodes side by side, as an operator bringing back a whole cluster would. */
    void restartAll(List<Long> ids) throws Exception {
        onEach("restart", ids);
    }

    private void onEach(String command, List<Long> ids) throws Exception {
        List<CompletableFuture<ScriptResult>> runs = new ArrayList<>();
        for (long id : ids) {
            runs.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return script(command, String.valueOf(id));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<ScriptResult> run : runs) {
            ScriptResult r = run.get(SCRIPT_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
            if (r.exitCode() != 0) {
                throw new IllegalStateException(r.command() + " failed (" + r.exitCode() + "):\n" + r.output());
            }
        }
    }

    void pause(long id) throws Exception {
        scriptOrFail("pause", String.valueOf(id));
    }

    void resume(long id) throws Exception {
        scriptOrFail("resume", String.valueOf(id));
    }

    /** Cuts every Raft link to and from the node, both ways; its client port stays reachable. */
    void isolate(long id) {
        for (long other : NODE_IDS) {
            if (other != id) {
                links.get(id + "-" + other).cut();
                links.get(other + "-" + id).cut();
            }
        }
        clock.log("Raft links to and from node " + id + " cut");
    }

    void healLinks() {
        links.values().forEach(RaftLinkProxy::restore);
        clock.log("Raft links restored");
    }

    /** The pid in the node's pid file, if any (kept after kill -9; removed by stop). */
    Optional<Long> pid(long id) {
        Path f = dir.resolve("node" + id).resolve("pid");
        try {
            return Files.exists(f) ? Optional.of(Long.parseLong(Files.readString(f).strip())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    ScriptResult script(String command, String... args) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>();
        line.add(repo.resolve("cluster-scripts").resolve(command).toString());
        line.addAll(List.of(args));
        // Output to a file, not a pipe: the nodes a script starts in the background inherit its
        // descriptors, and a pipe they held would never reach end of file.
        Path out = Files.createTempFile(dir, "script-", ".out");
        ProcessBuilder pb = new ProcessBuilder(line).directory(repo.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(environment);
        Process p = pb.start();
        String text;
        int exit;
        if (p.waitFor(SCRIPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            exit = p.exitValue();
        } else {
            p.destroyForcibly().waitFor();
            exit = -1;
        }
        text = Files.readString(out);
        Files.deleteIfExists(out);
        String shown = "cluster-scripts/" + command + (args.length == 0 ? "" : " " + String.join(" ", args));
        ScriptResult result = new ScriptResult(shown, exit, exit == -1 ? text + "\n(timed out after "
                + SCRIPT_TIMEOUT.toSeconds() + " s)" : text);
        Files.writeString(dir.resolve("scripts.log"), "$ " + shown + " -> exit " + exit + "\n" + result.output() + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        clock.log(shown + " -> " + (exit == 0 ? result.firstLine() : "exit " + exit));
        return result;
    }

    private ScriptResult scriptOrFail(String command, String... args) throws IOException, InterruptedException {
        ScriptResult r = script(command, args);
        if (r.exitCode() != 0) {
            throw new IllegalStateException(r.command() + " failed (exit " + r.exitCode() + "):\n" + r.output());
        }
        return r;
    }

    /**
     * Gives each node a {@code --peers} list of its own: itself at its real Raft address, every
     * other node at the proxy of the link from it to that node. Configured addresses win over the
     * node directory's, so the nodes keep going through the proxies.
     */
    private void routeRaftThroughProxies(Path nodeJar) throws IOException {
        Path jarCopy = dir.resolve("flotilla-node.jar");
        Files.copy(nodeJar, jarCopy, StandardCopyOption.REPLACE_EXISTING);
        for (long from : NODE_IDS) {
            for (long to : NODE_IDS) {
                if (from != to) {
                    links.put(from + "-" + to, new RaftLinkProxy(from, to,
                            (int) (proxyBase + 3 * (from - 1) + (to - 1)),
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), (int) (raftBase + to - 1))));
                }
            }
        }
        for (long id : NODE_IDS) {
            Path cmdline = dir.resolve("node" + id).resolve("cmdline");
            List<String> args = new ArrayList<>(Files.readAllLines(cmdline));
            replaceValueOf(args, "-jar", jarCopy.toString());
            replaceValueOf(args, "--peers", peersAsSeenBy(id));
            Files.write(cmdline, args);
        }
    }

    private String peersAsSeenBy(long self) {
        StringBuilder b = new StringBuilder();
        for (long id : NODE_IDS) {
            int raftPort = id == self ? (int) (raftBase + id - 1) : links.get(self + "-" + id).address().getPort();
            b.append(b.length() == 0 ? "" : ",").append(id).append("=127.0.0.1:").append(raftPort).append('/')
                    .append(sqlAddress(id));
        }
        return b.toString();
    }

    private static void replaceValueOf(List<String> args, String flag, String value) {
        int i = args.indexOf(flag);
        if (i < 0 || i + 1 >= args.size()) {
            throw new IllegalStateException("no " + flag + " in the command line " + args);
        }
        args.set(i + 1, value);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Map<Long, Long> pids = new TreeMap<>();
        for (long id : NODE_IDS) {
            pid(id).ifPresent(p -> pids.put(id, p));
        }
        try {
            // A paused JVM would not act on stop's SIGTERM: wake it first.
            for (long id : pids.keySet()) {
                if (isStopped(pids.get(id))) {
                    script("resume", String.valueOf(id));
                }
            }
            if (Files.exists(dir.resolve("cluster.conf"))) {
                script("stop");
            }
        } catch (IOException | RuntimeException e) {
            clock.log("stopping the cluster failed (" + e + "); killing the node processes");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pids.values().forEach(this::killIfOurs);
        links.values().forEach(RaftLinkProxy::close);
        archiveLogs();
        deleteDirectory();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException ignored) {
            // The JVM is shutting down already: the hook runs, and finds nothing left to do.
        }
    }

    /** The shutdown hook: no scripts (the JVM is going), just SIGKILL to what the pid files name. */
    private void killNodesNow() {
        if (closed) {
            return;
        }
        for (long id : NODE_IDS) {
            pid(id).ifPresent(this::killIfOurs);
        }
        deleteDirectory();
    }

    private void killIfOurs(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> {
            String command = h.info().commandLine().orElse("");
            // A recycled pid belongs to someone else: only a node of this cluster directory is killed.
            if (command.contains("flotilla-node.jar") && command.contains(dir.toString())) {
                h.destroyForcibly();
                h.onExit().join();
            }
        });
    }

    /** True if the node's JVM is stopped by a signal (paused). */
    @Override
    public boolean silencedByFault(long id) {
        return pid(id).map(ScriptedCluster::isStopped).orElse(false);
    }

    /**
     * The node JVM's threads (jcmd Thread.print) into a file, or a line saying why not: evidence
     * for a node that stops answering while no fault is injected.
     */
    @Override
    public String dumpThreads(long id, Path file) {
        Optional<Long> pid = pid(id);
        if (pid.isEmpty()) {
            return "no pid";
        }
        return ThreadDump.write(pid.get(), file);
    }

    private static boolean isStopped(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String afterName = stat.substring(stat.lastIndexOf(')') + 2);
            return afterName.startsWith("T");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private void archiveLogs() {
        try {
            Files.createDirectories(logArchive);
            for (long id : NODE_IDS) {
                Path log = dir.resolve("node" + id).resolve("node.log");
                if (Files.exists(log)) {
                    Files.copy(log, logArchive.resolve("node" + id + ".log"), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            for (long id : NODE_IDS) {
                for (Path gc : gcLogsOf(dir.resolve("node" + id))) {
                    Files.copy(gc, logArchive.resolve("node" + id + "-" + gc.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Path scripts = dir.resolve("scripts.log");
            if (Files.exists(scripts)) {
                Files.copy(scripts, logArchive.resolve("scripts.log"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            clock.log("could not keep the node logs in " + logArchive + ": " + e);
        }
    }

    /**
     * GC pauses of any node longer than the threshold, each as "t s: node N: pause line", on the
     * run's time line.
     */
    List<String> longGcPauses(Duration threshold) {
        List<String> out = new ArrayList<>();
        Pattern pause = Pattern.compile(
                "^\\[([^\\]]+)\\]\\[[^\\]]+\\].*Pause.* ([0-9.]+)ms$");
        for (long id : NODE_IDS) {
            try {
                for (Path gc : gcLogsOf(dir.resolve("node" + id))) {
                    for (String line : Files.readAllLines(gc)) {
                        Matcher m = pause.matcher(line);
                        if (m.matches() && Double.parseDouble(m.group(2)) > threshold.toMillis()) {
                            Instant at = OffsetDateTime.parse(m.group(1), GC_LOG_TIME).toInstant();
                            out.add(String.format("%.2f s: node %d: %s", clock.fromWallClock(at) / 1e9, id,
                                    line.substring(line.indexOf("Pause"))));
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                out.add("node " + id + ": GC log unreadable: " + e);
            }
        }
        return out;
    }

    private static List<Path> gcLogsOf(Path nodeDir) throws IOException {
        if (!Files.isDirectory(nodeDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(nodeDir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("gc-")).sorted().toList();
        }
    }

    private void deleteDirectory() {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            clock.log("could not delete " + dir + ": " + e);
        }
    }

    /**
     * Free ports for the nodes' Raft and SQL ports and for the link proxies, below the kernel's
     * ephemeral range (32768 and up here), so that no outgoing connection takes one of them while
     * a node or a proxy is down.
     */
    private static int[] freePortBases() {
        Random random = new Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int raft = 20_000 + 10 * random.nextInt(900);
            int sql = raft + 1_000;
            int proxies = raft + 500;
            if (free(raft, NODE_IDS.size()) && free(sql, NODE_IDS.size()) && free(proxies, 9)) {
                return new int[] {raft, sql, proxies};
            }
        }
        throw new IllegalStateException("no free ports found between 20000 and 30000");
    }

    private static boolean free(int first, int count) {
        for (int port = first; port < first + count; port++) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /** Says so when sources changed after the node jar was built: the run then tests older code. */
    private static void warnIfStale(Path repo, Path nodeJar) throws IOException {
        long built = Files.getLastModifiedTime(nodeJar).toMillis();
        for (String module : List.of("raft/src/main", "statemachine/src/main", "sql/server/src/main", "sql/jdbc/src/main")) {
            Path root = repo.resolve(module);
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                Optional<Path> newer = files.filter(Files::isRegularFile).filter(f -> {
                    try {
                        return Files.getLastModifiedTime(f).toMillis() > built;
                    } catch (IOException e) {
                        return false;
                    }
                }).findFirst();
                if (newer.isPresent()) {
                    System.out.println("WARNING: " + repo.relativize(newer.get()) + " is newer than " + repo.relativize(nodeJar)
                            + ": the nodes run the code of the last `mvn -B -ntp -DskipTests install`");
                    return;
                }
            }
        }
    }
}
