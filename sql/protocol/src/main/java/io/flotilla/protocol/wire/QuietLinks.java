package io.flotilla.protocol.wire;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Links that must be kept alive while their client says nothing — they hold a transaction open at
 * the node, whose locks the node releases as soon as the link falls silent (Hello.keeps_alive) —
 * and the one daemon thread that sends their KeepAlives: it looks at each link every 50 ms and
 * sends one when the link has been quiet for a quarter of its link timeout
 * ({@link NodeConnection#keepAliveIfQuiet()}). A link leaves the set when told to or once broken.
 * One thread for the whole class loader: it costs nothing while the set is empty, and a daemon
 * never holds up the JVM's exit.
 */
public final class QuietLinks {

    /** The class loader's. */
    public static final QuietLinks SHARED = new QuietLinks();

    private static final long TICK_MILLIS = 50;

    private final Set<NodeConnection> links = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "flotilla-quiet-links");
        t.setDaemon(true);
        return t;
    });

    private QuietLinks() {
        thread.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Keeps {@code link} alive while quiet, until {@link #release} or until it breaks. */
    public void keepAlive(NodeConnection link) {
        links.add(link);
    }

    public void release(NodeConnection link) {
        links.remove(link);
    }

    private void tick() {
        for (NodeConnection link : links) {
            if (link.isBroken()) {
                links.remove(link);
            } else {
                link.keepAliveIfQuiet();
            }
        }
    }
}
