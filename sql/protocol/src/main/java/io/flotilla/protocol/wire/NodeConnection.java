package io.flotilla.protocol.wire;

import io.flotilla.protocol.Hello;
import io.flotilla.protocol.HelloResult;
import io.flotilla.protocol.KeepAlive;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One blocking protocol connection to one node: the Hello handshake, then request/response calls.
 *
 * <p>Calls are serialized (one request in flight, as the node answers in order anyway). Any I/O
 * error, timeout or protocol violation breaks the connection for good: the stream may hold half a
 * frame or a late answer, so nothing after it could be trusted. {@link #close()} may be called from
 * any thread and makes a blocked call fail at once.
 *
 * <p>A call never waits on a silent link: while it waits, the link is sent a KeepAlive whenever it
 * has been quiet for a while, and a link that stays silent past the node's link timeout
 * ({@link LinkLiveness}) breaks with 08006, not a timeout, so the caller may send the request
 * elsewhere. Only the caller's own network timeout (JDBC's) ends a call on a node that is alive.
 *
 * <p>Used by the JDBC driver and by nodes that forward a client's requests to a range's leader.
 */
public final class NodeConnection implements AutoCloseable {
    public static final int PROTOCOL_VERSION = 1;

    private final HostAddress address;
    private final Socket socket;
    private final FrameReader in;
    private final OutputStream out;
    private HelloResult helloResult;
    private volatile LinkLiveness liveness;
    /** JDBC's network timeout: how long one call may wait for its answer; 0 for no limit. */
    private volatile int networkTimeoutMillis;
    private long lastRequestId;
    /** Held by a call from its first write to its answer; a keep-alive between calls only tries it. */
    private final ReentrantLock inUse = new ReentrantLock();
    /** When this side last wrote to the link (a request or a keep-alive), for {@link #keepAliveIfQuiet()}. */
    private volatile long lastWriteNanos = System.nanoTime();
    /** Why the connection is unusable; null while it is healthy. */
    private volatile NodeConnectionException broken;

    private NodeConnection(HostAddress address, Socket socket, int networkTimeoutMillis, LinkLiveness handshake)
            throws IOException {
        this.address = address;
        this.socket = socket;
        this.in = new FrameReader(socket.getInputStream());
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        this.networkTimeoutMillis = networkTimeoutMillis;
        this.liveness = handshake;
    }

    /**
     * Connects and says Hello. The Hello's version is filled in when left at 0.
     *
     * @param connectTimeoutMillis 0 waits as long as the OS does
     * @param networkTimeoutMillis how long every call may wait for its answer, 0 for no limit
     * @param linkTimeoutMillis    silence after which the link counts as dead; 0 takes the node's
     * @throws NodeConnectionException 08001 if the node cannot be reached, 08006 if the handshake fails
     * @throws SQLException            the node's Error answer to the Hello, mapped by SQLState
     */
    public static NodeConnection open(HostAddress address, Hello hello, int connectTimeoutMillis,
                                      int networkTimeoutMillis, int linkTimeoutMillis) throws SQLException {
        Socket socket = new Socket();
        NodeConnection connection;
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            // Resolved here, on every connect: a node that comes back under its name with a new
            // address is found there.
            socket.connect(new InetSocketAddress(address.host(), address.port()), connectTimeoutMillis);
            connection = new NodeConnection(address, socket, networkTimeoutMillis,
                    LinkLiveness.forHandshake(connectTimeoutMillis));
        } catch (IOException e) {
            closeQuietly(socket);
            throw new NodeConnectionException("cannot connect to node " + address + ": " + e.getMessage(),
                    SqlStates.UNABLE_TO_CONNECT, address, e instanceof SocketTimeoutException, e);
        }
        Hello effective = hello.getVersion() == 0 ? hello.toBuilder().setVersion(PROTOCOL_VERSION).build() : hello;
        Response answer;
        try {
            answer = connection.call(Request.newBuilder().setHello(effective));
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        if (answer.hasError()) {
            connection.close();
            throw SqlErrors.toException(answer.getError());
        }
        if (!answer.hasHello()) {
            connection.close();
            throw new NodeConnectionException("node " + address + " answered Hello with " + answer.getKindCase(),
                    SqlStates.PROTOCOL_VIOLATION, address, false, null);
        }
        connection.helloResult = answer.getHello();
        connection.liveness = LinkLiveness.of(answer.getHello(), linkTimeoutMillis);
        return connection;
    }

    /** The node's answer to the Hello: its id, version and the cluster's client addresses. */
    public HelloResult helloResult() {
        return helloResult;
    }

    public HostAddress address() {
        return address;
    }

    /** When this link counts as dead. */
    public LinkLiveness liveness() {
        return liveness;
    }

    /**
     * Sends one request, with the next request id, and waits for the response carrying that id.
     * An Error response is returned, not thrown: what it means depends on the caller.
     */
    public Response call(Request.Builder request) throws SQLException {
        inUse.lock();
        try {
            return callLocked(request);
        } finally {
            inUse.unlock();
        }
    }

    private Response callLocked(Request.Builder request) throws SQLException {
        NodeConnectionException failure = broken;
        if (failure != null) {
            throw new NodeConnectionException("connection to node " + address + " is broken: " + failure.getMessage(),
                    failure.getSQLState(), address, false, failure);
        }
        long id = ++lastRequestId;
        byte[] bytes = request.setId(id).build().toByteArray();
        if (bytes.length > Frames.MAX_REQUEST_BYTES) {
            // Nothing was sent, so the connection stays usable.
            throw new SQLException("request of " + bytes.length + " bytes exceeds the largest request a node takes ("
                    + Frames.MAX_REQUEST_BYTES + " bytes); send large values in smaller pieces", SqlStates.PROGRAM_LIMIT_EXCEEDED);
        }
        try {
            Frames.write(out, bytes);
            out.flush();
            lastWriteNanos = System.nanoTime();
            return answerTo(id);
        } catch (IOException e) {
            throw breakWith("connection to node " + address + " failed: " + e.getMessage(), false, e);
        }
    }

    /**
     * Waits for the answer to request {@code id}, waking whenever the socket's timeout passes to
     * see whether the link needs a KeepAlive, is dead, or has used up the network timeout.
     */
    private Response answerTo(long id) throws IOException, NodeConnectionException {
        long sent = System.nanoTime();
        long heard = sent;
        long heardBytes = in.received();
        long keepAliveId = 0;
        while (true) {
            long now = System.nanoTime();
            if (in.received() != heardBytes) {
                heard = now;
                heardBytes = in.received();
            }
            long untilTimeout = networkTimeoutMillis > 0
                    ? sent + networkTimeoutMillis * 1_000_000L - now : Long.MAX_VALUE;
            if (untilTimeout <= 0) {
                throw breakWith("node " + address + " did not answer within the network timeout of "
                        + networkTimeoutMillis + " ms", true, null);
            }
            long untilDead = heard + liveness.timeoutNanos() - now;
            if (untilDead <= 0) {
                throw breakWith("node " + address + " sent nothing for " + (now - heard) / 1_000_000
                        + " ms, not even an answer to a keep-alive (link timeout " + liveness.timeoutMillis()
                        + " ms): the link counts as dead", false, null);
            }
            long untilProbe = Long.MAX_VALUE;
            if (keepAliveId == 0) {
                untilProbe = heard + liveness.probeAfterNanos() - now;
                if (untilProbe <= 0) {
                    keepAliveId = ++lastRequestId;
                    writeKeepAlive(keepAliveId);
                    continue;
                }
            }
            long waitNanos = Math.min(untilTimeout, Math.min(untilDead, untilProbe));
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (waitNanos + 999_999) / 1_000_000)));
            byte[] frame;
            try {
                frame = in.read();
            } catch (SocketTimeoutException e) {
                continue;
            }
            Response response = Response.parseFrom(frame);
            if (response.getId() == id) {
                return response;
            }
            if (response.getId() == keepAliveId) {
                keepAliveId = 0;
                continue;
            }
            if (response.getId() > id) {
                throw new IOException("protocol violation: response id " + response.getId()
                        + " while waiting for " + id);
            }
            // An answer to an earlier request, or to a keep-alive of an earlier call: skip it.
        }
    }

    private void writeKeepAlive(long id) throws IOException {
        Frames.write(out, Request.newBuilder().setId(id).setKeepAlive(KeepAlive.getDefaultInstance()).build().toByteArray());
        out.flush();
        lastWriteNanos = System.nanoTime();
    }

    /**
     * Between calls: sends a KeepAlive if this side has written nothing for a quarter of the link
     * timeout, without waiting for its answer (the next call skips it, as an earlier request's).
     * For a link that holds a transaction open while its client is quiet, so that the node can tell
     * a quiet client from a vanished one ({@code Hello.keeps_alive}). Does nothing while a call is
     * in progress (the call probes the link itself) or once the link is broken; a failed write
     * breaks the link, which its next call reports.
     */
    public void keepAliveIfQuiet() {
        if (broken != null || System.nanoTime() - lastWriteNanos < liveness.probeAfterNanos() || !inUse.tryLock()) {
            return;
        }
        try {
            if (broken == null) {
                writeKeepAlive(++lastRequestId);
            }
        } catch (IOException e) {
            breakWith("connection to node " + address + " failed while keeping it alive: " + e.getMessage(), false, e);
        } finally {
            inUse.unlock();
        }
    }

    /** How long each call may wait for its answer in milliseconds (JDBC's network timeout); 0 means no limit. */
    public void setNetworkTimeout(int millis) {
        networkTimeoutMillis = millis;
    }

    public int networkTimeout() {
        return networkTimeoutMillis;
    }

    /** True once an error broke the connection or it was closed. */
    public boolean isBroken() {
        return broken != null;
    }

    /** Closes the socket; a call blocked in another thread fails with 08006. */
    @Override
    public void close() {
        if (broken == null) {
            broken = new NodeConnectionException("connection to node " + address + " was closed",
                    SqlStates.CONNECTION_FAILURE, address, false, null);
        }
        closeQuietly(socket);
    }

    @Override
    public String toString() {
        return "NodeConnection[" + address + (broken != null ? ", broken" : "") + "]";
    }

    private NodeConnectionException breakWith(String message, boolean timedOut, Throwable cause) {
        NodeConnectionException e = new NodeConnectionException(message, SqlStates.CONNECTION_FAILURE, address,
                timedOut, cause);
        if (broken == null) {
            broken = e;
        }
        closeQuietly(socket);
        return e;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing is best effort: the socket is abandoned either way.
        }
    }
}
