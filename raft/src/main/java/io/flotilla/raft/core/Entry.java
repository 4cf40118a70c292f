package io.flotilla.raft.core;

import java.util.Objects;

/**
 * One slot of the replicated log. The term is the term of the leader that proposed it, so the layer
 * above can tell the entry it proposed from a different one that later took the same index.
 */
public record Entry(long term, long index, Payload payload) {

    /** Fixed bytes counted per entry for flow control, on top of the payload. */
    static final int OVERHEAD_BYTES = 16;

    public Entry {
        if (term < 1 || index < 1) {
            throw new IllegalArgumentException("entry needs term >= 1 and index >= 1: " + term + "/" + index);
        }
        Objects.requireNonNull(payload, "payload");
    }

    public int size() {
        return OVERHEAD_BYTES + payload.size();
    }
}
