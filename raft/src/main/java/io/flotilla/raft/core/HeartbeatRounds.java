package io.flotilla.raft.core;

import java.util.ArrayDeque;

/**
 * A leader's numbered heartbeat rounds and when each was sent, on the local monotonic clock.
 *
 * <p>Every message a leader sends carries its latest round. A follower that answers round r heard
 * from the leader no earlier than r's send time, and from then refuses votes for an election
 * timeout. So once a quorum has answered round r, no other leader can be elected before r's send
 * time plus an election timeout (as measured by the slowest clock) — the lease — and the leader was
 * still leader when r was sent — what ReadIndex needs.
 */
final class HeartbeatRounds {

    private record Sent(long round, long at) {
    }

    private final ArrayDeque<Sent> recent = new ArrayDeque<>();
    private final long keepFor;
    private long current;

    /** @param keepFor how long send times stay useful; older rounds prove nothing a newer one does not. */
    HeartbeatRounds(long keepFor) {
        this.keepFor = keepFor;
    }

    long current() {
        return current;
    }

    long start(long now) {
        current++;
        recent.addLast(new Sent(current, now));
        while (recent.size() > 1 && now - recent.peekFirst().at() > keepFor) {
            recent.removeFirst();
        }
        return current;
    }

    /** When a round was sent, or Long.MIN_VALUE if it is round 0 or too old to remember. */
    long sentAt(long round) {
        for (var it = recent.descendingIterator(); it.hasNext(); ) {
            Sent s = it.next();
            if (s.round() == round) {
                return s.at();
            }
            if (s.round() < round) {
                break;
            }
        }
        return Long.MIN_VALUE;
    }

    void reset() {
        recent.clear();
        current = 0;
    }
}
