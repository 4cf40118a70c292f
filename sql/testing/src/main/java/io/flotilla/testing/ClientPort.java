package io.flotilla.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client port a node is known by — to the driver, in the JDBC URL, and to the other nodes,
 * which forward statements to it: a relay on a port of its own in front of the node's real client
 * port. It exists so that {@link FlotillaCluster#pause(long)} can do to the client port what
 * SIGSTOP does to a process's sockets, which nothing inside the JVM can do to the node's own
 * server: connections are accepted (the kernel would accept them) and kept open, and nothing
 * they carry gets through either way until the gate opens again; then what was held goes on, in
 * order, as a stopped process's socket buffers would after SIGCONT. It also keeps the address
 * stable while the node behind it is down: a connection made meanwhile is closed at once, as a
 * refused one would be.
 *
 * <p>Blocking sockets, two daemon threads per connection: a test opens a handful of connections.
 */
final class ClientPort implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ClientPort.class.getName());
    private static final int BUFFER_BYTES = 64 * 1024;
    /** Where every node of the cluster listens: an address, so that the URL names no host to resolve. */
    private static final String LOOPBACK = "127.0.0.1";

    private final long nodeId;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** The node's real client port; null while the node is down. */
    private volatile InetSocketAddress target;
    private final Object gate = new Object();
    private boolean paused;
    private volatile boolean closed;

    ClientPort(long nodeId) throws IOException {
        this.nodeId = nodeId;
        // Port 0: the kernel picks a free port and this socket keeps it for the cluster's life, so
        // the address the cluster is told of never races another process for its port.
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(LOOPBACK, 0), 50);
        this.acceptor = new Thread(this::accept, "flotilla-client-port-" + nodeId);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Where clients and other nodes dial this node. */
    InetSocketAddress address() {
        return InetSocketAddress.createUnresolved(LOOPBACK, server.getLocalPort());
    }

    /** The node is up and listens at {@code address}: new connections go there. */
    void connectTo(InetSocketAddress address) {
        target = address;
    }

    /** The node is down: new connections are closed at once, and the ones open are cut. */
    void disconnect() {
        target = null;
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    /** Holds every byte, both ways, until {@link #open()}. */
    void hold() {
        synchronized (gate) {
            paused = true;
        }
    }

    /** Lets held bytes and new ones through. */
    void open() {
        synchronized (gate) {
            paused = false;
            gate.notifyAll();
        }
    }

    private void awaitOpen() throws InterruptedException {
        synchronized (gate) {
            while (paused && !closed) {
                gate.wait();
            }
        }
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "node " + nodeId + ": client port stopped accepting", e);
                }
                return;
            }
            InetSocketAddress to = target;
            if (to == null) {
                closeQuietly(client);
                continue;
            }
            Socket node = new Socket();
            try {
                client.setTcpNoDelay(true);
                node.setTcpNoDelay(true);
                node.connect(to, 2_000);
            } catch (IOException e) {
                // The node went down in between: as a refused connection.
                closeQuietly(node);
                closeQuietly(client);
                continue;
            }
            open.add(client);
            open.add(node);
            pump(client, node, "in");
            pump(node, client, "out");
        }
    }

    /** Copies one direction until either side closes, then closes both. */
    private void pump(Socket from, Socket to, String direction) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[BUFFER_BYTES];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    awaitOpen();
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (SocketException e) {
                // One side closed: the relay ends, as the connection does.
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "node " + nodeId + ": relay ended", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                open.remove(from);
                open.remove(to);
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "flotilla-client-port-" + nodeId + "-" + direction);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // Closing is all that is left to do with it.
        }
    }

    @Override
    public void close() {
        closed = true;
        open();
        try {
            server.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "node " + nodeId + ": could not close the client port", e);
        }
        disconnect();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
