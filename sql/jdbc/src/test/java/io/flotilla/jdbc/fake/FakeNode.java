package io.flotilla.jdbc.fake;

import io.flotilla.protocol.Error;
import io.flotilla.protocol.NodeAddress;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.wire.HostAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST ONLY. A node that speaks the client protocol over a ServerSocket and runs the SQL on the
 * cluster's H2, one thread per client connection, with hooks to inject failures.
 */
public final class FakeNode implements AutoCloseable {
    final FakeCluster cluster;
    final long nodeId;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    /** Every request received, in order (Hello included). */
    public final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    /** Drop the connection (without answering) after executing this many more Execute/Commit requests. */
    final AtomicInteger dropAfterApplying = new AtomicInteger();
    /** Answer this many more Execute/Commit requests with {@link #injectedError} without running them. */
    final AtomicInteger failNext = new AtomicInteger();
    volatile Error injectedError;
    /** Answer this many more Execute/Commit requests only after {@link #answerDelayMillis}. */
    final AtomicInteger answerLate = new AtomicInteger();
    volatile long answerDelayMillis;

    FakeNode(FakeCluster cluster, long nodeId) throws IOException {
        this.cluster = cluster;
        this.nodeId = nodeId;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "fake-node-" + nodeId + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public HostAddress address() {
        return new HostAddress("127.0.0.1", port());
    }

    NodeAddress nodeAddress() {
        return NodeAddress.newBuilder().setNodeId(nodeId).setHost("127.0.0.1").setPort(port()).build();
    }

    /** The next Execute or Commit is applied, then the connection closes before the answer. */
    public void dropConnectionAfterNextApply() {
        dropAfterApplying.set(1);
    }

    /** The next {@code count} Execute/Commit requests are refused with this SQLState. */
    public void refuseNext(int count, String sqlState, HostAddress leader) {
        Error.Builder e = Error.newBuilder().setSqlState(sqlState).setMessage("injected " + sqlState);
        if (leader != null) {
            e.setLeader(NodeAddress.newBuilder().setHost(leader.host()).setPort(leader.port()));
        }
        injectedError = e.build();
        failNext.set(count);
    }

    /** The next {@code count} Execute/Commit requests are answered {@code millis} late: statements that run long. */
    public void answerLate(int count, long millis) {
        answerDelayMillis = millis;
        answerLate.set(count);
    }

    /** Requests of one kind, e.g. Request.KindCase.EXECUTE. */
    public List<Request> requests(Request.KindCase kind) {
        synchronized (requests) {
            return requests.stream().filter(r -> r.getKindCase() == kind).toList();
        }
    }

    /** Kills every client connection, as a crash would. */
    public void dropClients() {
        for (Socket s : clients) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                clients.add(s);
                Thread t = new Thread(() -> {
                    try {
                        new FakeSession(this, s).run();
                    } finally {
                        clients.remove(s);
                    }
                }, "fake-node-" + nodeId + "-session");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;   // closed
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        dropClients();
    }
}
