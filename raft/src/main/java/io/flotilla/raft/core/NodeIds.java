package io.flotilla.raft.core;

/** Node ids are positive longs; zero means nobody. */
public final class NodeIds {

    public static final long NONE = 0;

    private NodeIds() {
    }

    static long requireValid(long id) {
        if (id <= 0) {
            throw new IllegalArgumentException("node ids are positive: " + id);
        }
        return id;
    }
}
