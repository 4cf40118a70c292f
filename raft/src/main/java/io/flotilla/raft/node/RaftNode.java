package io.flotilla.raft.node;

import io.flotilla.raft.core.Config;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.host.GroupLog;
import io.flotilla.raft.host.GroupLoop;
import io.flotilla.raft.host.Outbox;
import io.flotilla.raft.host.RaftHost;
import io.flotilla.raft.host.StateMachine;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One node's Raft side, assembled the same way wherever a node runs — a production node, the
 * embedded cluster, the whole-stack simulator: its multi-raft host, attached to a network, with a
 * log for each group from its log store. What differs between them comes in as {@link Parts}: the
 * network (Netty, in memory, simulated), the logs (segment files, memory, a simulated disk), the
 * clock, and who runs the group loops (worker threads, or a scheduler). Owns the host, the
 * attachment and the log store, and closes them in that order.
 */
public final class RaftNode implements AutoCloseable {

    /** How a node reaches the others. */
    @FunctionalInterface
    public interface Network {
        /** Connects the node's host: what arrives goes to it; returns how it sends. */
        Attachment attach(RaftHost host) throws IOException;
    }

    /** A host's place on the network; closing it takes the node off. */
    public interface Attachment extends AutoCloseable {
        Outbox outbox();

        @Override
        void close();
    }

    /** Where a node's groups keep their logs. */
    public interface LogStore extends AutoCloseable {
        /** A group's log as the store holds it, new and starting from {@code bootstrap} if it holds none. */
        GroupLog open(long group, Membership bootstrap) throws IOException;

        /** Whether the store holds a log of {@code group} (one that {@link #create} finished, or that opened). */
        boolean holds(long group) throws IOException;

        /**
         * Creates the log of a group that starts from another's state (a range split off another):
         * its image made durable first, then a log whose snapshot is {@code base}, so a crash at any
         * point leaves either no log of the group or a whole one. Closes {@code image}.
         *
         * @throws java.nio.file.FileAlreadyExistsException if the store holds a log of the group
         */
        void create(long group, SnapshotMeta base, ReadableByteChannel image) throws IOException;

        @Override
        void close();
    }

    /** Who runs the host's group loops. */
    public sealed interface Loops {
        /** Worker threads of the host's own, as a real node has. */
        record Threads(int workers) implements Loops {
        }

        /** No thread: {@code wake} is told when a loop has work, and its caller runs it (a simulator). */
        record Driven(Consumer<GroupLoop> wake) implements Loops {
        }
    }

    /**
     * @param clock monotonic nanoseconds for the cores' timers
     * @param seed seeds the cores' election jitter
     * @param livenessTimeoutNanos when positive, idle groups quiesce and peers are pinged instead
     *        (see {@link RaftHost}); zero: groups heartbeat while idle
     */
    public record Parts(long nodeId, LongSupplier clock, long seed, long livenessTimeoutNanos, Loops loops,
                        Network network, LogStore logs) {
    }

    private static final int QUEUE_CAPACITY = 1 << 16;

    private final RaftHost host;
    private final Attachment attachment;
    private final LogStore logs;

    private RaftNode(RaftHost host, Attachment attachment, LogStore logs) {
        this.host = host;
        this.attachment = attachment;
        this.logs = logs;
    }

    /** Builds the host and attaches it; on failure nothing is left running, and the log store is closed. */
    public static RaftNode start(Parts parts) throws IOException {
        // The host needs its outbox and the network needs the host: a deferred outbox breaks the cycle.
        DeferredOutbox outbox = new DeferredOutbox();
        RaftHost host = parts.loops() instanceof Loops.Threads t
                ? new RaftHost(parts.nodeId(), t.workers(), QUEUE_CAPACITY, outbox, parts.clock(), parts.seed(),
                        parts.livenessTimeoutNanos())
                : RaftHost.driven(parts.nodeId(), QUEUE_CAPACITY, outbox, parts.clock(), parts.seed(),
                        ((Loops.Driven) parts.loops()).wake());
        Attachment attachment;
        try {
            attachment = parts.network().attach(host);
        } catch (IOException | RuntimeException e) {
            host.close();
            parts.logs().close();
            throw e;
        }
        outbox.set(attachment.outbox());
        return new RaftNode(host, attachment, parts.logs());
    }

    public long id() {
        return host.nodeId();
    }

    public RaftHost host() {
        return host;
    }

    /**
     * Starts the node's replica of a group from what its log holds ({@code bootstrap} for a log
     * that is new: the initial voters, or no one for a replica that will join).
     */
    public CompletableFuture<Void> openGroup(long group, Config config, Membership bootstrap, StateMachine machine)
            throws IOException {
        GroupLog log = logs.open(group, bootstrap);
        return host.createGroup(group, config, log, machine);
    }

    /** Whether this node's log store holds a log of {@code group}. */
    public boolean holdsGroup(long group) throws IOException {
        return logs.holds(group);
    }

    /**
     * Creates, durably, the log of a group that starts from {@code base} with {@code image} as its
     * state ({@link LogStore#create}); {@link #openGroup} starts it afterwards.
     */
    public void createGroupLog(long group, SnapshotMeta base, ReadableByteChannel image) throws IOException {
        logs.create(group, base, image);
    }

    /** Dials a peer node, so it learns where this node listens before anyone has sent to it. */
    public void ping(long node) {
        attachment.outbox().ping(node);
    }

    @Override
    public void close() {
        host.close();
        attachment.close();
        logs.close();
    }
}
