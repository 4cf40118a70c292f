package io.flotilla.sql.nemesis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One direction of the Raft traffic between two node processes: node {@code from} dials this
 * proxy (its {@code --peers} names the proxy's port as node {@code to}'s Raft address) and the
 * proxy dials node {@code to}. A node only ever sends on connections it dialed itself (the
 * acceptor only reads), so this proxy carries exactly the messages from {@code from} to
 * {@code to}, snapshots included, and nothing else. Bytes are copied unchanged: a connection is
 * either whole or closed, never missing part of a frame.
 *
 * <p>The proxy listens only while it can reach node {@code to} and is not {@linkplain #cut()
 * cut}: otherwise its port refuses connections, as the port of a node that is down does. (A
 * proxy that accepted and then hung up would make the dialer reset its reconnect backoff on
 * every attempt and redial every 50 ms.) While node {@code to} is down the proxy checks every
 * {@link #PROBE_MILLIS} ms whether it listens again.
 */
final class RaftLinkProxy implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MILLIS = 1_000;
    private static final long PROBE_MILLIS = 50;

    private final long from;
    private final long to;
    private final InetSocketAddress listen;
    private final InetSocketAddress target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Object state = new Object();
    /** The listening socket; null while the port refuses connections. */
    private ServerSocket server;
    private boolean cut;
    private boolean closed;

    RaftLinkProxy(long from, long to, int listenPort, InetSocketAddress target) {
        this.from = from;
        this.to = to;
        this.listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort);
        this.target = target;
        Thread keeper = new Thread(this::run, name("keeper"));
        keeper.setDaemon(true);
        keeper.start();
    }

    /** The address node {@code from} is told node {@code to} listens on. */
    InetSocketAddress address() {
        return listen;
    }

    /** Closes the link's connections and refuses new ones until {@link #restore()}. */
    void cut() {
        synchronized (state) {
            cut = true;
            stopListening();
        }
        closeOpenConnections();
    }

    void restore() {
        synchronized (state) {
            cut = false;
            state.notifyAll();
        }
    }

    @Override
    public void close() {
        synchronized (state) {
            closed = true;
            stopListening();
            state.notifyAll();
        }
        closeOpenConnections();
    }

    /** Listens while it may and node {@code to} is up; accepts and pairs connections. */
    private void run() {
        while (true) {
            ServerSocket listening;
            synchronized (state) {
                while (cut && !closed) {
                    try {
                        state.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                listening = server;
            }
            try {
                if (listening == null) {
                    listening = listenOnceTargetIsUp();
                    if (listening == null) {
                        continue;
                    }
                }
                Socket inbound = listening.accept();
                if (!pair(inbound)) {
                    // Node `to` went down: refuse from now on, as its own port does, until it is back.
                    synchronized (state) {
                        if (server == listening) {
                            stopListening();
                        }
                    }
                }
            } catch (IOException e) {
                // The listening socket was closed by cut() or close(), or could not be bound yet: loop.
                sleepQuietly();
            }
        }
    }

    private ServerSocket listenOnceTargetIsUp() throws IOException {
        if (!targetListens()) {
            sleepQuietly();
            return null;
        }
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(listen, 50);
        synchronized (state) {
            if (cut || closed) {
                s.close();
                return null;
            }
            server = s;
            return s;
        }
    }

    private boolean targetListens() {
        try (Socket probe = new Socket()) {
            probe.connect(target, CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Connects the accepted socket to node {@code to}; false (and the socket closed) if it cannot. */
    private boolean pair(Socket inbound) {
        Socket outbound = new Socket();
        try {
            inbound.setTcpNoDelay(true);   // Raft heartbeats are small: Nagle would delay them
            outbound.setTcpNoDelay(true);
            outbound.connect(target, CONNECT_TIMEOUT_MILLIS);
        } catch (IOException e) {
            closeQuietly(inbound);
            closeQuietly(outbound);
            return false;
        }
        open.add(inbound);
        open.add(outbound);
        synchronized (state) {
            if (cut || closed) {   // cut() ran while this pair was being set up
                closeQuietly(inbound);
                closeQuietly(outbound);
                return true;
            }
        }
        startPump(inbound, outbound, "forward");
        startPump(outbound, inbound, "backward");
        return true;
    }

    private void startPump(Socket source, Socket sink, String direction) {
        Thread t = new Thread(() -> pump(source, sink), name(direction));
        t.setDaemon(true);
        t.start();
    }

    /** Copies until either side closes, then closes both: a half-open pair would only hide the failure. */
    private void pump(Socket source, Socket sink) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = source.getInputStream(); OutputStream out = sink.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
        } catch (IOException ignored) {
            // Reset, closed by cut(), or a node died: the pair ends below.
        } finally {
            closeQuietly(source);
            closeQuietly(sink);
            open.remove(source);
            open.remove(sink);
        }
    }

    /** Called with the state lock held. */
    private void stopListening() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException ignored) {
                // Closed is closed.
            }
            server = null;
        }
    }

    private void closeOpenConnections() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    /** The probe interval while node {@code to} is down: polling its port, the only way to see it come back. */
    private static void sleepQuietly() {
        try {
            Thread.sleep(PROBE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String name(String role) {
        return "raft-link-proxy-" + from + "-to-" + to + "-" + role;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Best effort.
        }
    }

    @Override
    public String toString() {
        return "raft link " + from + "->" + to + " via " + listen;
    }
}
