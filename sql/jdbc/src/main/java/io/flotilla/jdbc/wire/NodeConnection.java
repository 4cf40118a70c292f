package io.flotilla.jdbc.wire;

import io.flotilla.jdbc.protocol.Hello;
import io.flotilla.jdbc.protocol.HelloResult;
import io.flotilla.jdbc.protocol.Request;
import io.flotilla.jdbc.protocol.Response;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;

/**
 * One blocking protocol connection to one node: the Hello handshake, then request/response calls.
 *
 * <p>Calls are serialized (one request in flight, as the node answers in order anyway). Any I/O
 * error, timeout or protocol violation breaks the connection for good: the stream may hold half a
 * frame or a late answer, so nothing after it could be trusted. {@link #close()} may be called from
 * any thread and makes a blocked call fail at once.
 *
 * <p>Used by the JDBC driver and by nodes that forward a client's requests to a range's leader.
 */
public final class NodeConnection implements AutoCloseable {
    public static final int PROTOCOL_VERSION = 1;

    private final HostAddress address;
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private HelloResult helloResult;
    private long lastRequestId;
    /** Why the connection is unusable; null while it is healthy. */
    private volatile NodeConnectionException broken;

    private NodeConnection(HostAddress address, Socket socket) throws IOException {
        this.address = address;
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    /**
     * Connects and says Hello. The Hello's version is filled in when left at 0.
     *
     * @param connectTimeoutMillis 0 waits as long as the OS does
     * @param socketTimeoutMillis  read timeout of every call, 0 for none
     * @throws NodeConnectionException 08001 if the node cannot be reached, 08006 if the handshake fails
     * @throws SQLException            the node's Error answer to the Hello, mapped by SQLState
     */
    public static NodeConnection open(HostAddress address, Hello hello, int connectTimeoutMillis,
                                      int socketTimeoutMillis) throws SQLException {
        Socket socket = new Socket();
        NodeConnection connection;
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            socket.connect(new InetSocketAddress(address.host(), address.port()), connectTimeoutMillis);
            socket.setSoTimeout(socketTimeoutMillis);
            connection = new NodeConnection(address, socket);
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
        return connection;
    }

    /** The node's answer to the Hello: its id, version and the cluster's client addresses. */
    public HelloResult helloResult() {
        return helloResult;
    }

    public HostAddress address() {
        return address;
    }

    /**
     * Sends one request, with the next request id, and waits for the response carrying that id.
     * An Error response is returned, not thrown: what it means depends on the caller.
     */
    public synchronized Response call(Request.Builder request) throws SQLException {
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
            while (true) {
                Response response = Response.parseFrom(Frames.read(in));
                if (response.getId() == id) {
                    return response;
                }
                if (response.getId() > id) {
                    throw new IOException("protocol violation: response id " + response.getId()
                            + " while waiting for " + id);
                }
                // An answer to an earlier request: skip it.
            }
        } catch (SocketTimeoutException e) {
            throw breakWith("node " + address + " did not answer within the network timeout of "
                    + socketTimeoutQuietly() + " ms", true, e);
        } catch (IOException e) {
            throw breakWith("connection to node " + address + " failed: " + e.getMessage(), false, e);
        }
    }

    /** The read timeout of calls in milliseconds (JDBC's network timeout); 0 means none. */
    public void setSocketTimeout(int millis) throws SQLException {
        try {
            socket.setSoTimeout(millis);
        } catch (SocketException e) {
            throw breakWith("cannot set the socket timeout of node " + address + ": " + e.getMessage(), false, e);
        }
    }

    public int socketTimeout() throws SQLException {
        try {
            return socket.getSoTimeout();
        } catch (SocketException e) {
            throw breakWith("cannot read the socket timeout of node " + address + ": " + e.getMessage(), false, e);
        }
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

    private int socketTimeoutQuietly() {
        try {
            return socket.getSoTimeout();
        } catch (SocketException e) {
            return -1;
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing is best effort: the socket is abandoned either way.
        }
    }
}
