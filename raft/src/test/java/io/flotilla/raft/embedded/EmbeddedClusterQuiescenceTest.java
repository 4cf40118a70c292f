package io.flotilla.raft.embedded;

import io.flotilla.raft.core.Raft;
import io.flotilla.raft.host.Committed;
import io.flotilla.raft.host.GroupUnavailableException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Idle groups over real sockets: they quiesce, and when the node leading them crashes, node
 * liveness wakes them, a new leader is elected and writes succeed again, with nothing acknowledged
 * before the crash lost.
 */
class EmbeddedClusterQuiescenceTest {

    private static final int GROUPS = 20;

    @Test
    void groupsQuiescedUnderACrashedLeaderNodeWakeElectAndAcceptWrites() throws Exception {
        EmbeddedCluster.Options options = EmbeddedCluster.Options.defaults(3).withLogs(EmbeddedCluster.Logs.IN_MEMORY);
        try (EmbeddedCluster cluster = EmbeddedCluster.start(options)) {
            for (long g = 1; g <= GROUPS; g++) {
                cluster.createGroup(g, Set.of(1L, 2L, 3L), KvMachine::new);
            }
            for (long g = 1; g <= GROUPS; g++) {
                put(cluster, g, "before", g);
            }
            awaitAllQuiesced(cluster, Duration.ofSeconds(30));

            // Crash the node that leads the most groups, while they are all quiesced.
            long victim = busiestLeader(cluster);
            List<Long> led = groupsLedBy(cluster, victim);
            assertTrue(!led.isEmpty());
            cluster.crash(victim);

            for (long g : led) {
                long leader = cluster.awaitLeader(g, Duration.ofSeconds(20));
                assertNotEquals(victim, leader, "group " + g);
                put(cluster, g, "after", g);
                KvMachine machine = cluster.stateMachine(leader, g);
                long before = cluster.host(leader).read(g, () -> machine.get("before").orElse(-1)).get(10, TimeUnit.SECONDS);
                assertEquals(g, before, "group " + g + " lost a write acknowledged before the crash");
            }
            System.out.println("quiescence: " + led.size() + " quiesced groups led by crashed node " + victim
                    + " elected new leaders and took writes");
        }
    }

    private static void awaitAllQuiesced(EmbeddedCluster cluster, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int quiesced = 0;
            for (long node : cluster.nodes()) {
                for (long g = 1; g <= GROUPS; g++) {
                    quiesced += cluster.host(node).inspect(g, Raft::quiesced).get(10, TimeUnit.SECONDS) ? 1 : 0;
                }
            }
            if (quiesced == 3 * GROUPS) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "only " + quiesced + " of " + 3 * GROUPS + " replicas quiesced");
            Thread.sleep(20);
        }
    }

    private static long busiestLeader(EmbeddedCluster cluster) throws Exception {
        long best = 0;
        int most = -1;
        for (long node : cluster.nodes()) {
            int n = groupsLedBy(cluster, node).size();
            if (n > most) {
                most = n;
                best = node;
            }
        }
        return best;
    }

    private static List<Long> groupsLedBy(EmbeddedCluster cluster, long node) throws Exception {
        List<Long> led = new ArrayList<>();
        for (long g = 1; g <= GROUPS; g++) {
            if (cluster.host(node).inspect(g, r -> r.leader() == node).get(10, TimeUnit.SECONDS)) {
                led.add(g);
            }
        }
        return led;
    }

    /** Writes at the current leader, retrying through elections; a put applied twice leaves the same state. */
    private static void put(EmbeddedCluster cluster, long group, String key, long value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            long leader = cluster.awaitLeader(group, Duration.ofSeconds(20));
            try {
                Committed c = cluster.host(leader).propose(group, KvMachine.command(false, key, 0, value))
                        .get(10, TimeUnit.SECONDS);
                assertEquals(group, c.group());
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupUnavailableException) || System.nanoTime() > deadline) {
                    throw e;
                }
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }
}
