package io.flotilla.raft.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy inside the test JVM that misbehaves on command, for partition and failure tests:
 * put its {@link #address()} in a node's address book instead of the peer's. Plain blocking
 * sockets with two threads per connection; simple beats fast here.
 */
public final class FaultyProxy implements AutoCloseable {

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile InetSocketAddress target;
    private volatile boolean refusing;
    private volatile boolean dropping;
    private volatile long delayNanos;

    private FaultyProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    public static FaultyProxy start(InetSocketAddress target) throws IOException {
        return new FaultyProxy(target);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    /** Where new connections go, e.g. a restarted node on another port. */
    public void target(InetSocketAddress target) {
        this.target = target;
    }

    /** Closes every open connection in both directions, as a crashed switch would. */
    public void cutAll() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }

    /** While refusing, new connections are closed as soon as they are accepted. */
    public void refusing(boolean on) {
        this.refusing = on;
    }

    /** While dropping, bytes in both directions are read and discarded: a black-hole partition. */
    public void dropping(boolean on) {
        this.dropping = on;
    }

    /** Every forwarded read waits this long first. */
    public void delay(Duration delay) {
        this.delayNanos = delay.toNanos();
    }

    public int connectionsAccepted() {
        return accepted.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
        cutAll();
        threads.shutdownNow();
        try {
            threads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket downstream;
            try {
                downstream = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            if (refusing) {
                closeQuietly(downstream);
                continue;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 5_000);
            } catch (IOException e) {
                closeQuietly(upstream);
                closeQuietly(downstream);
                continue;
            }
            sockets.add(downstream);
            sockets.add(upstream);
            threads.execute(() -> pump(downstream, upstream));
            threads.execute(() -> pump(upstream, downstream));
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                long delay = delayNanos;
                if (delay > 0) {
                    TimeUnit.NANOSECONDS.sleep(delay);
                }
                if (!dropping) {
                    out.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // Cut, or closed by either end: that ends this connection, and the other direction with it.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing a socket for a test fault: nothing more to do
        }
    }
}
