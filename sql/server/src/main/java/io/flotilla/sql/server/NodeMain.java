package io.flotilla.sql.server;

import io.flotilla.sql.node.AdminCommand;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.NodeConfig;
import io.flotilla.sql.node.NodeEnvironment;
import io.flotilla.sql.node.Peer;

import java.lang.management.ManagementFactory;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar flotilla-node.jar --node-id 1 ...} runs a node until SIGTERM;
 * {@code java -jar flotilla-node.jar admin ...} runs one admin command against a node;
 * {@code --help} prints the flags.
 */
public final class NodeMain {

    private static final String LOG_FORMAT = "java.util.logging.SimpleFormatter.format";

    private NodeMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("admin")) {
            System.exit(AdminCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.println(NodeConfig.USAGE);
            return;
        }
        useLogFormat();
        NodeConfig config;
        try {
            config = NodeConfig.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        ServingNode serving = ServingNode.start(config, NodeEnvironment.of(config, System::nanoTime));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            serving.close();
            stopped.countDown();
        }, "flotilla-shutdown"));
        Node node = serving.node();
        Peer advertised = node.advertised();
        System.out.println("flotilla node " + config.nodeId() + " ready: raft "
                + bound(node.raftAddress(), advertised.raft()) + ", sql " + bound(node.sqlAddress(), advertised.sql())
                + " (" + ManagementFactory.getRuntimeMXBean().getUptime() + " ms after the JVM started)");
        System.out.flush();
        stopped.await();
    }

    /**
     * One line per record with milliseconds, unless the operator chose a format: a restart's steps
     * (image restored, log replayed, first term led) take fractions of a second each, and the JDK's
     * default two-line format shows whole seconds.
     */
    private static void useLogFormat() {
        if (System.getProperty(LOG_FORMAT) == null) {
            System.setProperty(LOG_FORMAT, "%1$tF %1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        }
    }

    /**
     * {@code [::]:7101 as node1.example.com:7101} (bound, then advertised), or the one address
     * where they agree. A wildcard bind shows as the IPv6 any-address where the JDK binds both stacks.
     */
    private static String bound(InetSocketAddress bound, InetSocketAddress advertised) {
        String host = bound.getAddress() instanceof Inet6Address six && six.isAnyLocalAddress() ? "[::]"
                : bound.getAddress() instanceof Inet6Address ? "[" + bound.getHostString() + "]" : bound.getHostString();
        String at = host + ":" + bound.getPort();
        String told = Peer.format(advertised);
        return at.equals(told) ? at : at + " as " + told;
    }
}
