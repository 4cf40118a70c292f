package io.flotilla.raft.core;

/** The leader's view of one member's log, and of the heartbeat rounds it has acknowledged. */
final class Progress {

    long match;
    long next;
    ProgressState state = ProgressState.PROBE;
    /** In PROBE: an append is out and unanswered, so wait for it (or a heartbeat answer). */
    boolean probeSent;
    long ackedRound;
    final Inflights inflights;

    Progress(long next, Config config) {
        this.next = next;
        this.inflights = new Inflights(config.maxInflightMessages(), config.maxInflightBytes());
    }

    boolean paused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.full();
            case SNAPSHOT -> true;
        };
    }

    void becomeProbe() {
        state = ProgressState.PROBE;
        next = match + 1;
        probeSent = false;
        inflights.reset();
    }

    void becomeReplicate() {
        state = ProgressState.REPLICATE;
        next = match + 1;
        probeSent = false;
        inflights.reset();
    }

    void becomeSnapshot() {
        state = ProgressState.SNAPSHOT;
        probeSent = false;
        inflights.reset();
    }

    /** Records entries sent up to lastIndex: optimistic in REPLICATE, one at a time in PROBE. */
    void sent(long lastIndex, long bytes) {
        if (state == ProgressState.REPLICATE) {
            if (lastIndex >= next) {
                next = lastIndex + 1;
                inflights.add(lastIndex, bytes);
            }
        } else {
            probeSent = true;
        }
    }

    /** The follower holds everything up to index. Returns whether that is news. */
    boolean acknowledge(long index) {
        boolean updated = index > match;
        if (updated) {
            match = index;
            probeSent = false;
        }
        next = Math.max(next, index + 1);
        return updated;
    }

    /**
     * The follower rejected an append at {@code rejected}; it may agree up to {@code probeFrom}.
     * Returns false for a stale rejection (one answering an append already superseded).
     */
    boolean backOff(long rejected, long probeFrom) {
        if (state == ProgressState.REPLICATE) {
            if (rejected <= match) {
                return false;
            }
            next = match + 1;
            return true;
        }
        if (next - 1 != rejected) {
            return false;
        }
        next = Math.max(Math.min(rejected, probeFrom + 1), match + 1);
        probeSent = false;
        return true;
    }
}
