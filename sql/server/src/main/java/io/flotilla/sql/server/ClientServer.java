package io.flotilla.sql.server;

import io.flotilla.protocol.Request;
import io.flotilla.protocol.wire.Frames;
import io.flotilla.sql.node.Node;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import io.netty.handler.timeout.IdleStateHandler;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The node's client port: length-prefixed protobuf frames (the driver's protocol). Frames are
 * decoded on Netty's event loop; the requests of each connection run one at a time, in order, on
 * a thread pool where blocking (H2, waiting for Raft) is allowed. A connection silent for longer
 * than the idle timeout is closed and its open transaction rolled back, as is the transaction of
 * a client that disconnects.
 */
public final class ClientServer implements AutoCloseable {

    /**
     * The largest request: a statement (with its parameters) above it is refused before it is read
     * whole, so one client cannot make the node hold an arbitrarily large text and what H2 builds
     * from it. A transaction's row images are limited separately (8 MiB by default).
     */
    static final int MAX_FRAME_BYTES = Frames.MAX_REQUEST_BYTES;
    static final long IDLE_SECONDS = 600;

    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup io = new NioEventLoopGroup(2);
    private final ExecutorService work = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "flotilla-client-session");
        t.setDaemon(true);
        return t;
    });
    /**
     * Open links by session id, so a Cancel on another connection finds the statement: a session
     * may have several here at once (the Cancel's own link, one the driver is leaving).
     */
    private final Map<String, Set<ClientSession>> sessions = new ConcurrentHashMap<>();
    private final Channel listener;
    private final NodeSessions opened;

    private ClientServer(InetSocketAddress address, Node node) throws IOException {
        this.opened = new NodeSessions(node);
        ServerBootstrap b = new ServerBootstrap().group(boss, io).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new IdleStateHandler(IDLE_SECONDS, 0, 0, TimeUnit.SECONDS))
                                .addLast(new LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES + 4, 0, 4, 0, 4)) // Netty counts the length field
                                .addLast(new LengthFieldPrepender(4))
                                .addLast(new ProtobufDecoder(Request.getDefaultInstance()))
                                .addLast(new ProtobufEncoder())
                                .addLast(new ClientConnection(opened.open(), work, sessions,
                                        node.config().idleInTransactionTimeout(), node.config().electionTimeout()));
                    }
                });
        try {
            this.listener = b.bind(address).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdown();
            throw new IOException("interrupted while binding " + address, e);
        } catch (RuntimeException e) {
            shutdown();
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    public static ClientServer start(InetSocketAddress address, Node node) throws IOException {
        return new ClientServer(address, node);
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        shutdown();
    }

    private void shutdown() {
        opened.close();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        work.shutdownNow();
    }
}
