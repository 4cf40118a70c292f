package io.flotilla.sql.server;

import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.NodeConfig;
import io.flotilla.sql.node.NodeEnvironment;

import java.io.IOException;
import java.sql.SQLException;

/**
 * A node that serves clients: a {@link Node} (its Raft side, its replicas, the meta range's
 * upkeep), the {@link SystemViews system views} in its replicas, and its client port ({@link
 * ClientServer}). This is how every node that takes clients is started: the node process ({@link
 * NodeMain}), the tests' in-JVM clusters and {@code FlotillaCluster}. The whole-stack simulator
 * assembles a {@link Node} alone and opens its sessions itself.
 *
 * <p>It owns the three and closes them in the reverse of the order they started: the client port
 * first, so that no statement starts on a node that is going away, then the views, then the node.
 */
public final class ServingNode implements AutoCloseable {

    private final Node node;
    private final ClientServer clients;

    private ServingNode(Node node, ClientServer clients) {
        this.node = node;
        this.clients = clients;
    }

    /**
     * Starts a node in the given environment (a real one built by {@link NodeEnvironment#of}, with
     * some of it changed: a resolver of the caller's, logs compacted after a few entries) and
     * serves clients once its replicas have replayed their logs. If any step fails, nothing started
     * here is left running.
     */
    public static ServingNode start(NodeConfig config, NodeEnvironment environment)
            throws IOException, SQLException, InterruptedException {
        Node node = Node.assemble(config, environment);
        try {
            SystemViews.install(node);
            node.awaitReplayed();
            return new ServingNode(node, openClientPort(node));
        } catch (IOException | SQLException | InterruptedException | RuntimeException e) {
            // The client port could not open (taken, say), or the wait was interrupted: nothing may linger.
            SystemViews.uninstall(node);
            node.close();
            throw e;
        }
    }

    /**
     * Opens the client port, then starts the node's upkeep, which announces the port's bound
     * address: other nodes learn of a port only once it accepts.
     */
    private static ClientServer openClientPort(Node node) throws IOException {
        ClientServer clients = ClientServer.start(NodeEnvironment.bindable(node.config().sql().listen()), node);
        try {
            node.startUpkeep(clients.localAddress());
        } catch (RuntimeException e) {
            clients.close();
            throw e;
        }
        return clients;
    }

    /** The node behind the client port: its replicas, its host, its addresses, its fault hooks. */
    public Node node() {
        return node;
    }

    @Override
    public void close() {
        clients.close();
        SystemViews.uninstall(node);
        node.close();
    }

    /**
     * A fault hook, kill -9: the client port drops its connections and the node stops at once
     * ({@link Node#crash()}: nothing flushed).
     */
    public void crash() {
        clients.close();
        SystemViews.uninstall(node);
        node.crash();
    }
}
