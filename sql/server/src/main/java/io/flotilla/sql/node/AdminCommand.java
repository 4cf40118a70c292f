package io.flotilla.sql.node;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.Admin;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Metadata;
import io.flotilla.protocol.RangeSummary;
import io.flotilla.protocol.ReplicaStatus;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.protocol.wire.NodeConnection;

import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code admin --sql host:port status | transfer --range R --to N | add-learner --range R --node N |
 * promote --range R --node N}: what cluster-scripts call. Exit status 0 on success.
 */
public final class AdminCommand {

    private AdminCommand() {
    }

    /** Runs one admin command (the arguments after {@code admin}); returns the process's exit status. */
    public static int run(String[] args) {
        Map<String, String> flags = new HashMap<>();
        String command = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--") && i + 1 < args.length) {
                flags.put(args[i].substring(2), args[++i]);
            } else if (command == null) {
                command = args[i];
            } else {
                System.err.println("unexpected argument " + args[i]);
                return 2;
            }
        }
        if (command == null || !flags.containsKey("sql")) {
            System.err.println("usage: admin --sql host:port status|transfer|add-learner|promote [--range R] [--to N] [--node N]");
            return 2;
        }
        byte[] session = new byte[16];
        new SecureRandom().nextBytes(session);
        Hello hello = Hello.newBuilder().setSessionId(ByteString.copyFrom(session)).setClient("flotilla admin").build();
        try (NodeConnection c = NodeConnection.open(HostAddress.parse(flags.get("sql")), hello, 5_000, 60_000, 0)) {
            Request.Builder request = Request.newBuilder();
            long range = Long.parseLong(flags.getOrDefault("range", String.valueOf(Node.DATA_RANGE)));
            switch (command) {
                case "status" -> request.setMetadata(Metadata.getDefaultInstance());
                case "transfer" -> request.setAdmin(Admin.newBuilder().setRange(range)
                        .setTransferLeadershipTo(Long.parseLong(required(flags, "to"))));
                case "add-learner" -> request.setAdmin(Admin.newBuilder().setRange(range)
                        .setAddLearner(Long.parseLong(required(flags, "node"))));
                case "promote" -> request.setAdmin(Admin.newBuilder().setRange(range)
                        .setPromote(Long.parseLong(required(flags, "node"))));
                default -> {
                    System.err.println("unknown admin command " + command);
                    return 2;
                }
            }
            Response answer = c.call(request);
            if (answer.hasError()) {
                System.err.println(answer.getError().getSqlState() + ": " + answer.getError().getMessage());
                return 1;
            }
            if (answer.hasMetadata()) {
                print(c, answer);
            } else {
                System.out.println("ok");
            }
            return 0;
        } catch (SQLException | IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }

    /**
     * One line per replica, from every node the answering node lists (its static peers and the node
     * directory), with its lag as its range's leader sees it; then one line per node with its client
     * address.
     */
    private static void print(NodeConnection first, Response answer) {
        Map<Long, String> seen = new TreeMap<>();
        List<ReplicaStatus> own = new ArrayList<>();
        Map<String, ReplicaStatus> leaderViews = new LinkedHashMap<>();
        for (var node : first.helloResult().getClusterList()) {
            String address = new HostAddress(node.getHost(), node.getPort()).toString();
            Optional<Response> asked = node.getNodeId() == first.helloResult().getNodeId() ? Optional.of(answer)
                    : ask(address);
            if (asked.isEmpty() || !asked.get().hasMetadata()) {
                seen.put(node.getNodeId(), "sql " + address + ", unreachable");
                continue;
            }
            Response status = asked.get();
            seen.put(node.getNodeId(), "sql " + address);
            for (ReplicaStatus r : status.getMetadata().getReplicasList()) {
                if (r.getNodeId() == status.getMetadata().getNodeId()) {
                    own.add(r);
                } else {
                    leaderViews.put(r.getRange() + "/" + r.getNodeId(), r);
                }
            }
        }
        String format = "%-6s %-5s %-13s %-6s %-8s %-8s %-7s %-9s %-8s %-6s %-10s%n";
        System.out.printf(format, "range", "node", "role", "term", "commit", "applied", "leader", "lease-ms", "match",
                "lag", "lag-bytes");
        Set<String> printed = new HashSet<>();
        for (ReplicaStatus r : own) {
            String key = r.getRange() + "/" + r.getNodeId();
            printed.add(key);
            ReplicaStatus seenByLeader = leaderViews.get(key);
            boolean leads = "LEADER".equals(r.getRole());
            System.out.printf(format, r.getRange(), r.getNodeId(), r.getRole(), r.getTerm(), r.getCommitIndex(),
                    r.getAppliedIndex(), r.getLeader(), leads ? lease(r) : "-", r.getMatchIndex(),
                    leads ? "0" : seenByLeader == null ? "-" : String.valueOf(seenByLeader.getLagEntries()),
                    leads ? "0" : seenByLeader == null ? "-" : String.valueOf(seenByLeader.getLagBytes()));
        }
        boolean footnote = false;
        for (var e : leaderViews.entrySet()) {
            // A member this node has no address for (one that joined and is not in the directory yet):
            // as its leader sees it.
            ReplicaStatus r = e.getValue();
            if (printed.add(e.getKey())) {
                System.out.printf(format, r.getRange(), r.getNodeId(), r.getRole() + "*", r.getTerm(), "-",
                        r.getMatchIndex(), r.getLeader(), "-", r.getMatchIndex(), r.getLagEntries(), r.getLagBytes());
                footnote = true;
            }
        }
        if (footnote) {
            System.out.println("* as its leader sees it: applied shows the match index");
        }
        for (ReplicaStatus r : own) {
            if (!r.getFailure().isEmpty()) {
                // Loud: an operator must see which replica stopped and why without reading its log.
                System.out.println("FAILED: range " + r.getRange() + " on node " + r.getNodeId() + " stopped at applied index "
                        + r.getAppliedIndex() + ": " + r.getFailure());
            }
        }
        seen.forEach((node, what) -> System.out.println("node " + node + ": " + what));
        printRanges(answer);
    }

    /** The data ranges as the answering node's replicas have them: span, generation, rows. */
    private static void printRanges(Response answer) {
        if (answer.getMetadata().getRangesCount() == 0) {
            return;
        }
        HexFormat hex = HexFormat.of();
        String format = "%-6s %-10s %-8s %-34s %s%n";
        System.out.println();
        System.out.printf(format, "range", "generation", "rows", "start key", "end key");
        for (RangeSummary r : answer.getMetadata().getRangesList()) {
            System.out.printf(format, r.getRange(), r.getGeneration(), r.getRows() < 0 ? "-" : r.getRows(),
                    hex.formatHex(r.getStartKey().toByteArray()),
                    r.getEndKey().isEmpty() ? "(end)" : hex.formatHex(r.getEndKey().toByteArray()));
        }
    }

    private static String lease(ReplicaStatus leader) {
        return leader.getLeaseRemainingMillis() < 0 ? "none" : String.valueOf(leader.getLeaseRemainingMillis());
    }

    /** A node's status, or empty where it does not answer (the table then says it is unreachable). */
    private static Optional<Response> ask(String address) {
        byte[] session = new byte[16];
        new SecureRandom().nextBytes(session);
        Hello hello = Hello.newBuilder().setSessionId(ByteString.copyFrom(session)).setClient("flotilla admin").build();
        try (NodeConnection c = NodeConnection.open(HostAddress.parse(address), hello, 2_000, 10_000, 0)) {
            return Optional.of(c.call(Request.newBuilder().setMetadata(Metadata.getDefaultInstance())));
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    private static String required(Map<String, String> flags, String name) {
        String v = flags.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }
}
