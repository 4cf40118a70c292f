package io.flotilla.sql.sim;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.host.IncomingSnapshot;
import io.flotilla.raft.host.Outbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The simulated network between the nodes' hosts: every message is delayed by a seeded amount, so
 * messages overtake each other; some are lost or duplicated; links can be cut in either direction.
 * A message reaches a node only if that node's incarnation that it was sent to is still up.
 */
final class SimNetwork {

    private final Scheduler scheduler;
    private final Map<Long, SimNode> nodes = new TreeMap<>();
    /** Cut links, as "from->to". */
    private final Set<String> cut = new HashSet<>();
    /** Which node sent leaders' messages in each (group, term): there may be one. */
    private final Map<String, Long> leaderOfTerm = new TreeMap<>();
    private final Consumer<String> violations;
    double lossRate = 0.01;
    double duplicateRate = 0.01;
    long delivered;
    long dropped;

    SimNetwork(Scheduler scheduler, Consumer<String> violations) {
        this.scheduler = scheduler;
        this.violations = violations;
    }

    /** The terms in which some node sent as a leader, over all groups. */
    int leaderTerms() {
        return leaderOfTerm.size();
    }

    void attach(SimNode node) {
        nodes.put(node.id, node);
    }

    void cut(long from, long to) {
        cut.add(from + "->" + to);
    }

    /** Cuts {@code node} off from every other node, both ways. */
    void isolate(long node) {
        for (long other : nodes.keySet()) {
            if (other != node) {
                cut(node, other);
                cut(other, node);
            }
        }
    }

    void heal() {
        cut.clear();
    }

    boolean linked(long from, long to) {
        return !cut.contains(from + "->" + to);
    }

    Outbox outboxOf(long from) {
        return new Outbox() {
            @Override
            public void send(long group, Message message) {
                SimNetwork.this.send(from, group, message);
            }

            @Override
            public CompletableFuture<Void> sendSnapshot(long group, Message.InstallSnapshot announcement,
                                                        ReadableByteChannel image) {
                return SimNetwork.this.sendSnapshot(from, group, announcement, image);
            }

            @Override
            public void ping(long node) {
                // No node liveness in the simulator: groups heartbeat.
            }

            @Override
            public void replaceConnection(long node) {
                // No node liveness in the simulator, and no connections that buffer.
            }
        };
    }

    private void send(long from, long group, Message message) {
        if (message instanceof Message.Append || message instanceof Message.Heartbeat
                || message instanceof Message.InstallSnapshot) {
            // Only a leader sends these: seen from two nodes in one term, the group had two leaders.
            Long before = leaderOfTerm.putIfAbsent(group + "/" + message.term(), from);
            if (before != null && before != from) {
                violations.accept("two leaders of group " + group + " in term " + message.term() + ": nodes " + before
                        + " and " + from);
            }
        }
        SimNode target = nodes.get(message.to());
        if (target == null || !linked(from, message.to()) || scheduler.random.nextDouble() < lossRate) {
            dropped++;
            return;
        }
        int copies = scheduler.random.nextDouble() < duplicateRate ? 2 : 1;
        int incarnation = target.incarnation();
        for (int i = 0; i < copies; i++) {
            scheduler.after(scheduler.millis(0.1, 3), () -> {
                // Checked again on arrival: a link cut while the message was on its way loses it.
                if (target.running() && target.incarnation() == incarnation && linked(from, message.to())) {
                    delivered++;
                    target.host().deliver(group, message);
                }
            });
        }
    }

    /** Reads the whole image now (on the one thread) and hands it over after a seeded delay. */
    private CompletableFuture<Void> sendSnapshot(long from, long group, Message.InstallSnapshot announcement,
                                                 ReadableByteChannel image) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        byte[] bytes;
        try (InputStream in = Channels.newInputStream(image)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            sent.completeExceptionally(e);
            return sent;
        }
        SimNode target = nodes.get(announcement.to());
        int incarnation = target.incarnation();
        scheduler.after(scheduler.millis(1, 20), () -> {
            if (!target.running() || target.incarnation() != incarnation || !linked(from, announcement.to())) {
                sent.completeExceptionally(new IOException("the snapshot stream to node " + announcement.to() + " broke"));
                return;
            }
            try {
                IncomingSnapshot in = target.host().receiveSnapshot(group, announcement);
                in.accept(ByteBuffer.wrap(bytes));
                in.complete();
                sent.complete(null);
            } catch (IOException e) {
                sent.completeExceptionally(e);
            }
        });
        return sent;
    }
}
