package io.flotilla.raft.embedded;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Which directed links between nodes are cut. Thread-safe: senders check it on every message. */
final class Links {

    private record Link(long from, long to) {
    }

    private final Set<Link> cut = ConcurrentHashMap.newKeySet();

    boolean connected(long from, long to) {
        return !cut.contains(new Link(from, to));
    }

    void cut(long from, long to) {
        cut.add(new Link(from, to));
    }

    void healAll() {
        cut.clear();
    }
}
