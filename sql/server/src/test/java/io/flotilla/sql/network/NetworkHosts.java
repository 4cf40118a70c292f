package io.flotilla.sql.network;

import io.flotilla.sql.nemesis.RunClock;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One network host per node on this machine: a Linux network namespace each, joined to a bridge
 * by a veth pair, with an address of its own on 10.77.0.0/24 (node N at 10.77.0.N). The test JVM
 * is the client host: it stays in the root namespace and reaches the nodes through an address on
 * the bridge (10.77.0.254). Nothing else in the root namespace changes.
 *
 * <p>{@link #unplug} takes a node's bridge port down, as pulling its cable would: whatever either
 * side sends is lost without an error (taking the node's own end down instead would make its
 * sends fail at once with "network unreachable", which a real cut does not). Finer cuts are
 * {@link PacketFilter}'s.
 *
 * <p>Every name starts with {@value #PREFIX}: {@link #create} first removes whatever an earlier
 * run left (a JVM killed before its shutdown hook ran), processes in those namespaces included.
 * A lock file keeps two runs on one machine from sharing, or removing, each other's hosts.
 * {@link #close()} removes everything, and a shutdown hook does the same if the JVM ends first.
 */
public final class NetworkHosts implements AutoCloseable {

    static final String PREFIX = "flnet-";
    private static final String BRIDGE = PREFIX + "br";
    private static final String SUBNET = "10.77.0.";
    private static final int PREFIX_LENGTH = 24;
    private static final String CLIENT_ADDRESS = SUBNET + "254";
    private static final Path LOCK = Path.of(System.getProperty("java.io.tmpdir"), "flotilla-network.lock");
    /** How long a run waits for another run on the same machine to finish with the hosts. */
    private static final Duration LOCK_DEADLINE = Duration.ofMinutes(30);
    private static final Duration LINK_DEADLINE = Duration.ofSeconds(5);
    private static final long POLL_MILLIS = 50;

    private final List<Long> nodes;
    private final RunClock clock;
    private final FileChannel lockFile;
    private final FileLock lock;
    private final Set<Long> unplugged = ConcurrentHashMap.newKeySet();
    private final Thread removeOnExit;
    private volatile boolean closed;

    private NetworkHosts(List<Long> nodes, RunClock clock, FileChannel lockFile, FileLock lock) {
        this.nodes = List.copyOf(nodes);
        this.clock = clock;
        this.lockFile = lockFile;
        this.lock = lock;
        this.removeOnExit = new Thread(this::removeEverything, "flotilla-network-hosts-remove-on-exit");
        Runtime.getRuntime().addShutdownHook(removeOnExit);
    }

    /**
     * Why namespaces cannot be made here (no {@code ip}, not root, {@code ip netns add} refused, the
     * subnet taken), or empty if they can. Changes nothing that it does not undo.
     */
    public static Optional<String> unavailable() {
        Command.Result version = Command.of("ip", "-V").run();
        if (!version.ok()) {
            return Optional.of("the `ip` command (iproute2) is not available: " + version.output().strip());
        }
        String probe = PREFIX + "probe-" + ProcessHandle.current().pid();
        Command.Result add = Command.of("ip", "netns", "add", probe).run();
        if (!add.ok()) {
            return Optional.of("`ip netns add` fails (network namespaces need root): " + add.output().strip());
        }
        Command.Result delete = Command.of("ip", "netns", "delete", probe).run();
        if (!delete.ok()) {
            return Optional.of("`ip netns delete " + probe + "` fails: " + delete.output().strip());
        }
        for (String line : Command.of("ip", "-4", "-o", "addr", "show").runOrFail().output().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 3 && f[3].startsWith(SUBNET) && !f[1].startsWith(PREFIX)) {
                return Optional.of(SUBNET + "0/" + PREFIX_LENGTH + " is in use on this machine (" + f[1] + " " + f[3] + ")");
            }
        }
        return Optional.empty();
    }

    /**
     * Builds the hosts, after removing what an earlier run left. Waits for another run on this
     * machine to finish first. On any failure everything made so far is removed.
     */
    public static NetworkHosts create(List<Long> nodes, RunClock clock) throws IOException, InterruptedException {
        FileChannel channel = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = awaitLock(channel, clock);
        } catch (IOException | InterruptedException | RuntimeException e) {
            channel.close();
            throw e;
        }
        NetworkHosts hosts = new NetworkHosts(nodes, clock, channel, lock);
        try {
            removeLeftovers(clock);
            hosts.build();
            return hosts;
        } catch (RuntimeException | Error e) {
            hosts.close();
            throw e;
        }
    }

    private static FileLock awaitLock(FileChannel channel, RunClock clock) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + LOCK_DEADLINE.toNanos();
        boolean said = false;
        while (true) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("another network test run held " + LOCK + " for "
                        + LOCK_DEADLINE.toMinutes() + " minutes");
            }
            if (!said) {
                clock.log("another network test run holds " + LOCK + "; waiting for it to finish");
                said = true;
            }
            Thread.sleep(1000);   // polling a lock another process holds: there is nothing to wait on
        }
    }

    private void build() {
        Command.of("ip", "link", "add", BRIDGE, "type", "bridge").runOrFail();
        Command.of("ip", "addr", "add", CLIENT_ADDRESS + "/" + PREFIX_LENGTH, "dev", BRIDGE).runOrFail();
        Command.of("ip", "link", "set", BRIDGE, "up").runOrFail();
        for (long node : nodes) {
            String ns = namespace(node);
            String port = bridgePort(node);
            String inside = PREFIX + "i" + node;
            Command.of("ip", "netns", "add", ns).runOrFail();
            Command.of("ip", "link", "add", port, "type", "veth", "peer", "name", inside).runOrFail();
            Command.of("ip", "link", "set", inside, "netns", ns).runOrFail();
            Command.of("ip", "link", "set", port, "master", BRIDGE).runOrFail();
            Command.of("ip", "link", "set", port, "up").runOrFail();
            inNamespace(node, "ip", "link", "set", inside, "name", "eth0").runOrFail();
            inNamespace(node, "ip", "addr", "add", address(node) + "/" + PREFIX_LENGTH, "dev", "eth0").runOrFail();
            inNamespace(node, "ip", "link", "set", "eth0", "up").runOrFail();
            // The node talks to itself too (forwarding, its own client port): loopback must be up.
            inNamespace(node, "ip", "link", "set", "lo", "up").runOrFail();
        }
        for (long node : nodes) {
            awaitOperState(node, "up");
        }
        clock.log("network hosts up: bridge " + BRIDGE + " with the client at " + CLIENT_ADDRESS + "; "
                + String.join(", ", nodes.stream().map(n -> "node " + n + " at " + address(n) + " in " + namespace(n)).toList()));
    }

    public List<Long> nodes() {
        return nodes;
    }

    public String namespace(long node) {
        return PREFIX + "n" + node;
    }

    public String address(long node) {
        return SUBNET + node;
    }

    public String clientAddress() {
        return CLIENT_ADDRESS;
    }

    /** The root namespace's end of the node's veth pair: its port on the bridge. */
    private static String bridgePort(long node) {
        return PREFIX + "v" + node;
    }

    /** A command run inside the node's namespace. */
    Command inNamespace(long node, String... argv) {
        List<String> line = new ArrayList<>(List.of("ip", "netns", "exec", namespace(node)));
        line.addAll(List.of(argv));
        return new Command(line);
    }

    /** Cuts the node off: its bridge port goes down, so that nothing reaches it or leaves it. */
    public void unplug(long node) {
        Command.of("ip", "link", "set", bridgePort(node), "down").runOrFail();
        unplugged.add(node);
        clock.log("node " + node + " unplugged (" + bridgePort(node) + " down)");
    }

    /** Reconnects the node; returns once its bridge port is up again. */
    public void plug(long node) {
        Command.of("ip", "link", "set", bridgePort(node), "up").runOrFail();
        awaitOperState(node, "up");
        unplugged.remove(node);
        clock.log("node " + node + " plugged in (" + bridgePort(node) + " up)");
    }

    public boolean anyUnplugged() {
        return !unplugged.isEmpty();
    }

    /** Polls the bridge port's state: the kernel brings a link up a moment after `ip link set up` returns. */
    private void awaitOperState(long node, String wanted) {
        Path state = Path.of("/sys/class/net", bridgePort(node), "operstate");
        long deadline = System.nanoTime() + LINK_DEADLINE.toNanos();
        String seen = "unread";
        while (System.nanoTime() < deadline) {
            try {
                seen = Files.readString(state).strip();
                if (seen.equals(wanted)) {
                    return;
                }
                Thread.sleep(POLL_MILLIS);
            } catch (IOException e) {
                seen = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + bridgePort(node), e);
            }
        }
        throw new IllegalStateException(bridgePort(node) + " is " + seen + ", not " + wanted + ", after "
                + LINK_DEADLINE.toSeconds() + " s");
    }

    @Override
    public void close() {
        removeEverything();
        try {
            Runtime.getRuntime().removeShutdownHook(removeOnExit);
        } catch (IllegalStateException ignored) {
            // The JVM is shutting down: the hook runs and finds everything removed.
        }
    }

    private synchronized void removeEverything() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            removeLeftovers(clock);
        } catch (RuntimeException e) {
            // Said loudly, and the next run removes what is left at its start.
            System.err.println("network hosts not fully removed: " + e.getMessage());
        } finally {
            try {
                lock.release();
                lockFile.close();
            } catch (IOException e) {
                System.err.println("could not release " + LOCK + ": " + e);
            }
        }
    }

    /**
     * Removes every namespace and link whose name starts with the prefix: the processes in those
     * namespaces are killed first (node JVMs of a run that died), then the links and the
     * namespaces; returns once none is left.
     */
    static void removeLeftovers(RunClock clock) {
        List<String> namespaces = prefixedNamespaces();
        List<String> links = prefixedLinks();
        if (namespaces.isEmpty() && links.isEmpty()) {
            return;
        }
        clock.log("removing network hosts: namespaces " + namespaces + ", links " + links);
        for (String ns : namespaces) {
            killProcessesIn(ns);
        }
        for (String link : links) {
            Command.Result r = Command.of("ip", "link", "delete", link).run();
            // A veth pair goes with either end: the other end of one deleted before is gone already.
            if (!r.ok() && prefixedLinks().contains(link)) {
                r.orFail();
            }
        }
        for (String ns : namespaces) {
            Command.of("ip", "netns", "delete", ns).runOrFail();
        }
        // The kernel frees a namespace, and the veth ends in it, after `ip netns delete` returns.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!prefixedNamespaces().isEmpty() || !prefixedLinks().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("still there 10 s after removal: namespaces " + prefixedNamespaces()
                        + ", links " + prefixedLinks());
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while removing network hosts", e);
            }
        }
    }

    private static void killProcessesIn(String ns) {
        Command.Result pids = Command.of("ip", "netns", "pids", ns).run();
        if (!pids.ok()) {
            return;   // the namespace went meanwhile
        }
        for (String line : pids.output().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            ProcessHandle.of(Long.parseLong(line.strip())).ifPresent(p -> {
                p.destroyForcibly();
                try {
                    p.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("process " + p.pid() + " in " + ns + " did not end after SIGKILL", e);
                }
            });
        }
    }

    static List<String> prefixedNamespaces() {
        List<String> out = new ArrayList<>();
        for (String line : Command.of("ip", "netns", "list").runOrFail().output().split("\n")) {
            String name = line.strip().split("\\s+")[0];
            if (name.startsWith(PREFIX)) {
                out.add(name);
            }
        }
        return out;
    }

    /** Links of the root namespace, e.g. "7: flnet-v1@if6: <...>" gives flnet-v1. */
    static List<String> prefixedLinks() {
        List<String> out = new ArrayList<>();
        for (String line : Command.of("ip", "-o", "link", "show").runOrFail().output().split("\n")) {
            String[] f = line.split(":\\s+", 3);
            if (f.length >= 2) {
                String name = f[1].split("@")[0];
                if (name.startsWith(PREFIX)) {
                    out.add(name);
                }
            }
        }
        return out;
    }
}
