package io.flotilla.raft.core;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Settings of one replica. Durations are in nanoseconds of the injected monotonic clock.
 *
 * @param maxClockDrift how far two replicas' clocks may disagree about the length of one election
 *        timeout. The lease is the election timeout minus this: a follower that acknowledged the
 *        leader refuses votes for one election timeout on its own clock, so the leader's lease must
 *        end before the fastest follower clock could let that pass.
 * @param maxTransferLag entries a leadership-transfer target (or a learner being promoted) may be
 *        behind; further behind, the request is refused rather than stalling writes while it catches up.
 * @param maxEntryBytes the largest command a proposal may carry; a larger one is refused
 *        ({@link Refusal#ENTRY_TOO_LARGE}) before it reaches the log, so every entry a leader accepted
 *        fits the messages (and the transport's frames) that must carry it to the followers.
 * @param applied the index the host's state machine has already applied (after a restart).
 */
public record Config(long id, long electionTimeout, long heartbeatInterval, long maxClockDrift,
                     int maxInflightMessages, long maxInflightBytes, long maxMessageBytes, long maxApplyBytes,
                     long maxTransferLag, long maxEntryBytes, long applied, Set<DeliberateBug> deliberateBugs) {

    public Config {
        NodeIds.requireValid(id);
        if (heartbeatInterval <= 0 || electionTimeout <= heartbeatInterval) {
            throw new IllegalArgumentException("need 0 < heartbeatInterval < electionTimeout");
        }
        if (maxClockDrift < 0 || electionTimeout - maxClockDrift <= heartbeatInterval) {
            throw new IllegalArgumentException("the lease (electionTimeout - maxClockDrift) must outlast a heartbeat interval");
        }
        if (maxInflightMessages < 1 || maxInflightBytes < 1 || maxMessageBytes < 1 || maxApplyBytes < 1
                || maxEntryBytes < 1) {
            throw new IllegalArgumentException("flow-control limits must be positive");
        }
        deliberateBugs = deliberateBugs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(deliberateBugs));
    }

    /**
     * The default largest command: 12 MiB, leaving room for the message and frame around it in the
     * transport's default 16 MiB frame.
     */
    public static final long DEFAULT_MAX_ENTRY_BYTES = 12L << 20;

    /**
     * Defaults for a replica on a LAN: 1 s election timeout, 100 ms heartbeats, 100 ms drift bound.
     * Committed entries are handed out for applying 256 KiB at a time: a host applies one batch per
     * round and handles messages and timers between batches, so a long replay (a restart, a
     * follower catching up) does not hold up its heartbeats for an election timeout.
     */
    public static Config of(long id) {
        return new Config(id, Duration.ofSeconds(1).toNanos(), Duration.ofMillis(100).toNanos(),
                Duration.ofMillis(100).toNanos(), 256, 8L << 20, 1L << 20, 256L << 10, 1000, DEFAULT_MAX_ENTRY_BYTES, 0,
                Set.of());
    }

    public Config withId(long id) {
        return new Config(id, electionTimeout, heartbeatInterval, maxClockDrift, maxInflightMessages,
                maxInflightBytes, maxMessageBytes, maxApplyBytes, maxTransferLag, maxEntryBytes, applied, deliberateBugs);
    }

    public Config withTimeouts(long electionTimeout, long heartbeatInterval, long maxClockDrift) {
        return new Config(id, electionTimeout, heartbeatInterval, maxClockDrift, maxInflightMessages,
                maxInflightBytes, maxMessageBytes, maxApplyBytes, maxTransferLag, maxEntryBytes, applied, deliberateBugs);
    }

    public Config withFlowControl(int maxInflightMessages, long maxInflightBytes, long maxMessageBytes) {
        return new Config(id, electionTimeout, heartbeatInterval, maxClockDrift, maxInflightMessages,
                maxInflightBytes, maxMessageBytes, maxApplyBytes, maxTransferLag, maxEntryBytes, applied, deliberateBugs);
    }

    public Config withMaxTransferLag(long maxTransferLag) {
        return new Config(id, electionTimeout, heartbeatInterval, maxClockDrift, maxInflightMessages,
                maxInflightBytes, maxMessageBytes, maxApplyBytes, maxTransferLag, maxEntryBytes, applied, deliberateBugs);
    }

    public Config withMaxEntryBytes(long maxEntryBytes) {
        return new Config(id, electionTimeout, heartbeatInterval, maxClockDrift, maxInflightMessages,
                maxInflightBytes, maxMessageBytes, maxApplyBytes, maxTransferLag, maxEntryBytes, applied, deliberateBugs);
    }

    public Config withApplied(long applied) {
        return new Config(id, electionTimeout, heartbeatInterval, maxClockDrift, maxInflightMessages,
                maxInflightBytes, maxMessageBytes, maxApplyBytes, maxTransferLag, maxEntryBytes, applied, deliberateBugs);
    }

    public Config withDeliberateBugs(Set<DeliberateBug> bugs) {
        return new Config(id, electionTimeout, heartbeatInterval, maxClockDrift, maxInflightMessages,
                maxInflightBytes, maxMessageBytes, maxApplyBytes, maxTransferLag, maxEntryBytes, applied, bugs);
    }

    public boolean has(DeliberateBug bug) {
        return deliberateBugs.contains(bug);
    }

    /** How long a leader serves reads locally after a quorum acknowledged a heartbeat round. */
    public long leaseDuration() {
        return has(DeliberateBug.LEASE_IGNORES_CLOCK_DRIFT) ? electionTimeout : electionTimeout - maxClockDrift;
    }
}
