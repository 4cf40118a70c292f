package io.flotilla.raft.embedded;

import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.host.Committed;
import io.flotilla.raft.host.GroupUnavailableException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A follower that was down while the leader wrote over 100 MB and compacted its log catches up from
 * a streamed snapshot — over loopback sockets, from and to logs on disk — while writes go on.
 */
class EmbeddedClusterSnapshotTest {

    private static final long GROUP = 1;
    private static final int BLOB = 64 * 1024;
    private static final int BLOBS = 1700;

    @Test
    void aFollowerBehindTheCompactedLogCatchesUpFromA100MbSnapshotWhileWritesContinue() throws Exception {
        // Large writes on two shared cores: a longer election timeout keeps leadership steadier.
        EmbeddedCluster.Options options = EmbeddedCluster.Options.defaults(3)
                .withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMillis(200));
        try (EmbeddedCluster cluster = EmbeddedCluster.start(options)) {
            cluster.createGroup(GROUP, java.util.Set.of(1L, 2L, 3L), BlobMachine::new);
            long leader = cluster.awaitLeader(GROUP, Duration.ofSeconds(20));
            long behind = leader == 3 ? 2 : 3;
            cluster.crash(behind);

            SplittableRandom random = new SplittableRandom(7);
            write(cluster, random, 0, BLOBS);
            leader = cluster.awaitLeader(GROUP, Duration.ofSeconds(20));
            SnapshotMeta compacted = cluster.compact(GROUP, leader);
            assertTrue(compacted.index() > BLOBS, "compacted past the writes: " + compacted);
            // The other live replica too: should leadership move to it under load, the follower
            // must still need the image (before, it then caught up from entries and the run failed).
            long other = 6 - leader - behind;
            long compactDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (cluster.compact(GROUP, other).index() < compacted.index()) {
                // It compacts up to what it applied, which follows the leader's commit a heartbeat later.
                assertTrue(System.nanoTime() < compactDeadline, "node " + other + " never applied the writes");
                Thread.sleep(20);
            }

            cluster.restart(behind);
            // Writes continue while the snapshot streams and installs.
            write(cluster, random, BLOBS, 200);
            leader = cluster.awaitLeader(GROUP, Duration.ofSeconds(20));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            long leaderDigest = digest(cluster, leader);
            while (digest(cluster, behind) != leaderDigest) {
                assertTrue(System.nanoTime() < deadline, "the follower never caught up");
                Thread.onSpinWait();
            }
            BlobMachine follower = cluster.stateMachine(behind, GROUP);
            long restored = cluster.host(behind).inspect(GROUP, r -> follower.restoredBytes()).get(10, TimeUnit.SECONDS);
            System.out.println("snapshot catch-up: compacted at " + compacted.index() + ", follower restored "
                    + restored / (1 << 20) + " MiB from the streamed image");
            assertTrue(restored >= 100L << 20, "the image carried at least 100 MiB: " + restored);
            assertTrue(cluster.host(behind).inspect(GROUP, Raft::firstIndex).get(10, TimeUnit.SECONDS) > compacted.index(),
                    "the follower's log starts after the snapshot");
            assertEquals(leaderDigest, digest(cluster, behind));
        }
    }

    /**
     * Writes {@code count} blobs with up to 16 in flight, waiting for all of them. A write refused or
     * lost to a change of leader is written again at the new leader: a put of the same key twice
     * leaves the same state.
     */
    private static void write(EmbeddedCluster cluster, SplittableRandom random, long firstKey, int count)
            throws Exception {
        ArrayDeque<Write> inFlight = new ArrayDeque<>();
        for (long key = firstKey; key < firstKey + count; key++) {
            byte[] blob = new byte[BLOB];
            random.nextBytes(blob);
            inFlight.add(Write.start(cluster, BlobMachine.command(key, blob)));
            if (inFlight.size() == 16) {
                inFlight.poll().await(cluster);
            }
        }
        for (Write w : inFlight) {
            w.await(cluster);
        }
    }

    private record Write(byte[] command, CompletableFuture<Committed> result) {

        static Write start(EmbeddedCluster cluster, byte[] command) throws Exception {
            long leader = cluster.awaitLeader(GROUP, Duration.ofSeconds(20));
            return new Write(command, cluster.host(leader).propose(GROUP, command));
        }

        void await(EmbeddedCluster cluster) throws Exception {
            Write attempt = this;
            for (int tries = 0; ; tries++) {
                try {
                    attempt.result.get(30, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof GroupUnavailableException) || tries == 10) {
                        throw e;
                    }
                    attempt = start(cluster, command);
                }
            }
        }
    }

    private static long digest(EmbeddedCluster cluster, long node) throws Exception {
        BlobMachine machine = cluster.stateMachine(node, GROUP);
        return cluster.host(node).inspect(GROUP, r -> machine.digest()).get(30, TimeUnit.SECONDS);
    }
}
