package io.flotilla.raft.embedded;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.host.Outbox;
import io.flotilla.raft.host.RaftHost;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Delivers messages between hosts in one JVM, straight into the receiver's queue, through the
 * cuts of {@link Links}. A node that is down or paused receives nothing.
 */
final class InMemoryNetwork implements NodeNetwork {

    private final Map<Long, RaftHost> reachable = new ConcurrentHashMap<>();
    private final Links links;

    InMemoryNetwork(Links links) {
        this.links = links;
    }


    private void send(long from, long group, Message message) {
        RaftHost to = reachable.get(message.to());
        if (to != null && reachable.containsKey(from) && links.connected(from, message.to())) {
            to.deliver(group, message);
        }
    }

    @Override
    public Outbox attach(long node, RaftHost host) {
        reachable.put(node, host);
        return (group, message) -> send(node, group, message);
    }

    @Override
    public void detach(long node) {
        reachable.remove(node);
    }

    @Override
    public void close() {
        reachable.clear();
    }
}
