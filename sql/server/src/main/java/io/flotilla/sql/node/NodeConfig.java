package io.flotilla.sql.node;

import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A node's settings, from {@code --flag value} arguments and an optional properties file
 * ({@code --config}); flags win. Property names are the flag names without the dashes
 * ({@code raft-listen=0.0.0.0:7101}); {@code --join} without seeds is {@code join=true}. An unknown
 * flag or property is an error, so that a misspelt one is not silently ignored.
 *
 * <p>Each port has a listen address (what it binds) and an advertised one (what the cluster is
 * told: Raft peers, the node directory, the cluster list a driver learns, forwarding):
 * {@code --raft host:port} sets both, {@code --raft-listen} and {@code --raft-advertise} set one
 * each and win over {@code --raft}; without either advertised form the listen address is
 * advertised, which a wildcard ({@code 0.0.0.0}) cannot be. The same for {@code --sql}.
 *
 * @param raft  where the Raft transport binds, and where other nodes dial it
 * @param sql   where the client (SQL) port binds, and where clients and forwarding nodes dial it
 * @param peers the initial voters of every range, by node id (this node among them unless it
 *              joins); a node that joins dials them so that they learn its Raft address, and
 *              announces itself to them
 * @param seeds client addresses of existing nodes (any of them) that a joining node announces
 *              itself to, for a node that joins without {@code --peers}; empty otherwise
 * @param join  start empty and wait to be added as a learner, instead of bootstrapping the ranges
 * @param idleInTransactionTimeout how long a client may leave a transaction open without sending
 *        anything before its connection is closed and the transaction rolled back (its locks
 *        released), as PostgreSQL's {@code idle_in_transaction_session_timeout}; zero: never
 * @param rangeMaxRows a data range this node leads that holds more rows than this (as H2 estimates
 *        them, over its tables) is split in two at the middle key of its largest table; zero: never
 * @param rangeMaxQps a data range this node leads that ran more statements a second than this (over
 *        ten seconds) is split in two at the middle of the keys they named; zero: never
 */
public record NodeConfig(long nodeId, Endpoint raft, Endpoint sql, Path dataDir, SortedMap<Long, Peer> peers,
                         List<InetSocketAddress> seeds, Duration electionTimeout, Duration heartbeat,
                         Duration maxClockDrift, boolean join, Duration idleInTransactionTimeout, long rangeMaxRows,
                         long rangeMaxQps) {

    /** The node's flags, as {@code --help} prints them and a refused command line ends with. */
    public static final String USAGE = """
            usage: java -jar flotilla-node.jar --node-id N --raft host:port --sql host:port --data-dir DIR
                     --peers 1=host:raftPort/host:sqlPort,2=...,3=...
                     [--raft-listen host:port] [--raft-advertise host:port]
                     [--sql-listen host:port] [--sql-advertise host:port]
                     [--join [host:sqlPort,...]]
                     [--election-timeout-ms 1000] [--heartbeat-ms 100] [--max-clock-drift-ms 100]
                     [--idle-in-transaction-timeout-ms 60000] [--range-max-rows 0] [--range-max-qps 0]
                     [--config node.properties]
                   java -jar flotilla-node.jar admin --sql host:port status|transfer|add-learner|promote ...

              --raft, --sql                      the address to bind and to advertise to the cluster
              --raft-listen, --sql-listen        bind this instead (e.g. 0.0.0.0:7101)
              --raft-advertise, --sql-advertise  tell the cluster this instead (e.g. node1.example.com:7101)
              --peers                            the initial voters, at their advertised addresses
              --join [SEEDS]                     start empty and wait to be added as a learner; announce
                                                 this node to the --peers, or to SEEDS (client addresses
                                                 of any existing nodes), and then --peers may be left out
              --range-max-rows N                 split a range whose tables hold more rows than N
                                                 (default 0: never; see the README, "Ranges")
              --range-max-qps N                  split a range that runs more statements a second than N
                                                 (default 0: never)
              --config FILE                      properties named like the flags (raft-listen=0.0.0.0:7101);
                                                 flags win""";

    /**
     * Off: a split table refuses writes across its ranges (an {@code UPDATE} of the whole table)
     * until transactions across ranges exist, which a table must not start doing by itself only
     * because it grew. An operator who splits opts in (a million rows is a fair limit: a range that
     * size still splits, snapshots and catches a replica up in seconds).
     */
    public static final long DEFAULT_RANGE_MAX_ROWS = 0;

    static final Set<String> NAMES = Set.of("node-id", "raft", "raft-listen", "raft-advertise", "sql",
            "sql-listen", "sql-advertise", "data-dir", "peers", "join", "config", "election-timeout-ms",
            "heartbeat-ms", "max-clock-drift-ms", "idle-in-transaction-timeout-ms", "range-max-rows",
            "range-max-qps");

    public NodeConfig {
        peers = Collections.unmodifiableSortedMap(new TreeMap<>(peers));
        seeds = List.copyOf(seeds);
        if (nodeId <= 0) {
            throw new IllegalArgumentException("--node-id must be positive");
        }
        if (!join && !peers.containsKey(nodeId)) {
            throw new IllegalArgumentException("--peers must list this node (" + nodeId + ") unless it --join s");
        }
        if (!join && !seeds.isEmpty()) {
            throw new IllegalArgumentException("seed addresses are for a node that joins (--join host:sqlPort,...)");
        }
        if (join && peers.isEmpty() && seeds.isEmpty()) {
            throw new IllegalArgumentException("a node that joins needs an existing node to announce itself to:"
                    + " --join host:sqlPort[,host:sqlPort...] (any existing nodes' client addresses) or --peers");
        }
        if (electionTimeout.compareTo(heartbeat) <= 0 || electionTimeout.minus(maxClockDrift).compareTo(heartbeat) <= 0) {
            throw new IllegalArgumentException("need heartbeat < election timeout - max clock drift");
        }
        if (idleInTransactionTimeout.isNegative()) {
            throw new IllegalArgumentException("--idle-in-transaction-timeout-ms must not be negative");
        }
        if (rangeMaxRows < 0 || rangeMaxQps < 0) {
            throw new IllegalArgumentException("--range-max-rows and --range-max-qps must not be negative");
        }
    }

    public static NodeConfig parse(String[] args) throws IOException {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a + "\n" + USAGE);
            }
            String name = known(a.substring(2), "--" + a.substring(2));
            if (name.equals("join")) {
                // Its seeds are optional: --join alone keeps its meaning (announce to the --peers).
                boolean seedsFollow = i + 1 < args.length && !args[i + 1].startsWith("--");
                flags.put(name, seedsFollow ? args[++i] : "true");
            } else if (i + 1 < args.length) {
                flags.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value\n" + USAGE);
            }
        }
        Properties file = new Properties();
        if (flags.containsKey("config")) {
            try (Reader in = Files.newBufferedReader(Path.of(flags.get("config")))) {
                file.load(in);
            }
        }
        Map<String, String> all = new LinkedHashMap<>();
        file.forEach((k, v) -> all.put(known(k.toString().trim(), "property " + k + " in " + flags.get("config")),
                v.toString().trim()));
        all.putAll(flags);
        SortedMap<Long, Peer> peers = new TreeMap<>();
        for (String spec : all.getOrDefault("peers", "").split(",")) {
            if (!spec.isBlank()) {
                Peer p = Peer.parse(spec);
                peers.put(p.id(), p);
            }
        }
        String join = all.getOrDefault("join", "false");
        boolean joins = !join.equalsIgnoreCase("false");
        List<InetSocketAddress> seeds = new ArrayList<>();
        if (joins && !join.equalsIgnoreCase("true")) {
            for (String seed : join.split(",")) {
                if (!seed.isBlank()) {
                    seeds.add(Peer.address(seed));
                }
            }
        }
        return new NodeConfig(Long.parseLong(required(all, "node-id")), endpoint(all, "raft"), endpoint(all, "sql"),
                Path.of(required(all, "data-dir")), peers, seeds,
                Duration.ofMillis(Long.parseLong(all.getOrDefault("election-timeout-ms", "1000"))),
                Duration.ofMillis(Long.parseLong(all.getOrDefault("heartbeat-ms", "100"))),
                Duration.ofMillis(Long.parseLong(all.getOrDefault("max-clock-drift-ms", "100"))),
                joins,
                Duration.ofMillis(Long.parseLong(all.getOrDefault("idle-in-transaction-timeout-ms", "60000"))),
                Long.parseLong(all.getOrDefault("range-max-rows", String.valueOf(DEFAULT_RANGE_MAX_ROWS))),
                Long.parseLong(all.getOrDefault("range-max-qps", "0")));
    }

    /**
     * {@code --raft} (or {@code --sql}) and its {@code -listen} and {@code -advertise} forms: each
     * of those wins over the plain one for its half; the advertised address defaults to the listen
     * one, which must then not be a wildcard.
     */
    private static Endpoint endpoint(Map<String, String> all, String port) {
        String both = value(all, port);
        String listen = value(all, port + "-listen");
        String advertise = value(all, port + "-advertise");
        if (listen == null && both == null) {
            throw new IllegalArgumentException("--" + port + " (or --" + port + "-listen) is required\n" + USAGE);
        }
        InetSocketAddress told = Peer.address(advertise != null ? advertise : both != null ? both : listen);
        if (advertise == null && Endpoint.isWildcard(told.getHostString())) {
            throw new IllegalArgumentException("--" + port + (both != null ? " " : "-listen ") + Peer.format(told)
                    + " binds every interface, which no other machine can dial: add --" + port
                    + "-advertise host:port, the address other machines reach this node at");
        }
        return new Endpoint(Peer.address(listen != null ? listen : both), told);
    }

    private static String known(String name, String as) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown " + (as.startsWith("--") ? "option " : "") + as + "\n" + USAGE);
        }
        return name;
    }

    private static String value(Map<String, String> all, String name) {
        String v = all.get(name);
        return v == null || v.isBlank() ? null : v;
    }

    private static String required(Map<String, String> all, String name) {
        String v = value(all, name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required\n" + USAGE);
        }
        return v;
    }
}
