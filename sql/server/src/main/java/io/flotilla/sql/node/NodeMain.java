package io.flotilla.sql.node;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar flotilla-node.jar --node-id 1 ...} runs a node until SIGTERM;
 * {@code java -jar flotilla-node.jar admin ...} runs one admin command against a node.
 */
public final class NodeMain {

    private NodeMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("admin")) {
            System.exit(AdminCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        NodeConfig config;
        try {
            config = NodeConfig.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Node node = Node.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "flotilla-shutdown"));
        System.out.println("flotilla node " + config.nodeId() + " ready: raft " + Peer.format(node.raftAddress())
                + ", sql " + Peer.format(node.sqlAddress()));
        System.out.flush();
        stopped.await();
    }
}
