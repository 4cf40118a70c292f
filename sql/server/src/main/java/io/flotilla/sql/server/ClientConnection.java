package io.flotilla.sql.server;

import io.flotilla.protocol.Ack;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client connection: queues its requests and runs them one after another on the work pool,
 * writing each response back in order. Closing the connection closes the session (rolling back
 * its open transaction) once the request running now, if any, is done.
 */
final class ClientConnection extends SimpleChannelInboundHandler<Request> {

    private static final System.Logger LOG = System.getLogger(ClientConnection.class.getName());

    private final ClientSession session;
    private final Executor work;
    private final Map<String, Set<ClientSession>> sessions;
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private boolean running;
    private boolean closed;
    private String registeredAs;

    /** Zero: a transaction may stay idle for as long as the client likes. */
    private final Duration idleInTransactionTimeout;
    /**
     * How long a client that keeps its link alive (Hello.keeps_alive) may leave it silent while it
     * holds a transaction open: it sends a KeepAlive four times as often, so silence this long
     * means it is gone (cut off), and its locks go with it.
     */
    private final Duration linkTimeout;
    /** The end of the client's grace while its transaction is idle; cancelled by its next request. */
    private ScheduledFuture<?> idleInTransaction;

    ClientConnection(ClientSession session, Executor work, Map<String, Set<ClientSession>> sessions,
                     Duration idleInTransactionTimeout, Duration linkTimeout) {
        this.linkTimeout = linkTimeout;
        this.session = session;
        this.work = work;
        this.sessions = sessions;
        this.idleInTransactionTimeout = idleInTransactionTimeout;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Request request) {
        if (request.getKindCase() == Request.KindCase.KEEP_ALIVE) {
            // Answered here, on the I/O thread, whatever the session runs: it shows the client that
            // this node is there, and a client that hears nothing gives the link up (LinkLiveness).
            ctx.writeAndFlush(Response.newBuilder().setId(request.getId()).setAck(Ack.getDefaultInstance()).build());
            synchronized (this) {
                if (idleInTransaction != null && session.keepsAlive()) {
                    // The client is there: its grace starts again.
                    idleInTransaction.cancel(false);
                    idleInTransaction = null;
                    armIdleInTransaction(ctx);
                }
            }
            return;
        }
        if (request.getKindCase() == Request.KindCase.CANCEL) {
            // Answered at once, out of turn: the statement it cancels is what blocks the queue.
            Set<ClientSession> links = session.sessionId() == null ? null
                    : sessions.get(HexFormat.of().formatHex(session.sessionId()));
            if (links != null) {
                for (ClientSession target : links) {
                    if (target != session) {
                        // Off the event loop: a statement forwarded to the leader is cancelled there.
                        work.execute(target::cancelRunning);
                    }
                }
            }
            ctx.writeAndFlush(Response.newBuilder().setId(request.getId()).setAck(Ack.getDefaultInstance()).build());
            return;
        }
        synchronized (this) {
            // A request that runs in the session ends its idleness (a Cancel, answered above, does not).
            if (idleInTransaction != null) {
                idleInTransaction.cancel(false);
                idleInTransaction = null;
            }
            queue.add(request);
            if (running) {
                return;
            }
            running = true;
        }
        work.execute(() -> drain(ctx));
    }

    private void drain(ChannelHandlerContext ctx) {
        while (true) {
            Request next;
            synchronized (this) {
                next = queue.poll();
                if (next == null) {
                    running = false;
                    if (closed) {
                        closeSession();
                    } else {
                        armIdleInTransaction(ctx);
                    }
                    return;
                }
            }
            Response response = session.handle(next);
            if (next.getKindCase() == Request.KindCase.HELLO && session.sessionId() != null && registeredAs == null) {
                registeredAs = HexFormat.of().formatHex(session.sessionId());
                sessions.computeIfAbsent(registeredAs, id -> java.util.concurrent.ConcurrentHashMap.newKeySet())
                        .add(session);
            }
            ctx.writeAndFlush(response);
        }
    }

    /**
     * A client that leaves a transaction open and says nothing (it hangs, its host is gone but the
     * socket is not) would hold its row locks for ever, and every writer of those rows would time
     * out behind it: after the timeout its connection closes and the transaction rolls back, as
     * PostgreSQL's idle-in-transaction timeout does. Called with the monitor held.
     */
    private void armIdleInTransaction(ChannelHandlerContext ctx) {
        Duration timeout = session.keepsAlive() ? linkTimeout : idleInTransactionTimeout;
        if (timeout.isZero() || !session.inTransaction()) {
            return;
        }
        idleInTransaction = ctx.executor().schedule(() -> {
            synchronized (this) {
                if (running || !queue.isEmpty() || idleInTransaction == null) {
                    return;
                }
            }
            LOG.log(System.Logger.Level.INFO, "closing client connection {0}: its transaction was idle for {1} ms{2}; "
                    + "rolling it back", ctx.channel().remoteAddress(), timeout.toMillis(),
                    session.keepsAlive() ? " without even a keep-alive (the client is gone)" : "");
            ctx.close();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        synchronized (this) {
            closed = true;
            queue.clear();
            if (running) {
                return;
            }
        }
        work.execute(this::closeSession);
    }

    private void closeSession() {
        if (registeredAs != null) {
            sessions.computeIfPresent(registeredAs, (id, links) -> {
                links.remove(session);
                return links.isEmpty() ? null : links;
            });
        }
        session.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            LOG.log(System.Logger.Level.INFO, "closing client connection {0}: idle for {1} s", ctx.channel().remoteAddress(),
                    ClientServer.IDLE_SECONDS);
            ctx.close();
        }
    }

    /**
     * A frame that is too long or no Request ends the connection, since nothing after it can be
     * trusted to start on a frame boundary; the client first gets an Error saying why (under id 0:
     * the request's own id cannot be read). Its session closes as on a disconnect.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.WARNING, "closing client connection " + ctx.channel().remoteAddress()
                + ": " + cause.getMessage());
        if (cause instanceof io.netty.handler.codec.DecoderException && ctx.channel().isActive()) {
            boolean tooLong = cause instanceof io.netty.handler.codec.TooLongFrameException;
            String why = tooLong ? "a request above " + ClientServer.MAX_FRAME_BYTES + " bytes (the node's limit)"
                    : "a frame that is not a Request";
            ctx.writeAndFlush(Response.newBuilder().setError(io.flotilla.protocol.Error.newBuilder()
                    .setSqlState(tooLong ? "54000" : "08P01").setMessage((tooLong ? "program limit exceeded: "
                            : "protocol violation: ") + why + "; closing the connection"))
                    .build()).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
            return;
        }
        ctx.close();
    }
}
