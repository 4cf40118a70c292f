package io.flotilla.raft.embedded;

import io.flotilla.raft.host.Committed;
import io.flotilla.raft.host.GroupUnavailableException;
import io.flotilla.raft.linearizability.CheckResult;
import io.flotilla.raft.linearizability.KvInput;
import io.flotilla.raft.linearizability.KvModel;
import io.flotilla.raft.linearizability.KvOutput;
import io.flotilla.raft.linearizability.LinearizabilityChecker;
import io.flotilla.raft.linearizability.Operation;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients write, compare-and-set and read through an embedded cluster — real threads, Netty on
 * loopback — while a
 * seeded nemesis partitions, pauses, crashes and restarts nodes, compacts logs (so followers catch
 * up from snapshots), transfers leadership, and adds and promotes a learner; the history must be linearizable. Thread timing is not reproducible, so a
 * failure prints the seed of the nemesis and the non-linearizable part of the history.
 */
class EmbeddedClusterLinearizabilityTest {

    private static final long GROUP = 1;
    private static final String[] KEYS = {"x", "y"};
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final int NEMESIS_STEPS = 40;

    @Test
    void historiesStayLinearizableThroughFaults() throws Exception {
        long seed = Long.getLong("flotilla.embedded.seed", System.nanoTime());
        List<Operation<KvInput, KvOutput>> history = Collections.synchronizedList(new ArrayList<>());
        try (EmbeddedCluster cluster = EmbeddedCluster.start(EmbeddedCluster.Options.defaults(3).withSeed(seed))) {
            cluster.createGroup(GROUP, Set.of(1L, 2L, 3L), KvMachine::new);
            cluster.awaitLeader(GROUP, TIMEOUT);
            AtomicBoolean done = new AtomicBoolean();
            List<Thread> clients = new ArrayList<>();
            for (int c = 1; c <= 3; c++) {
                int client = c;
                Thread t = new Thread(() -> runClient(cluster, client, seed + client, done, history), "client-" + c);
                clients.add(t);
                t.start();
            }
            AtomicReference<Throwable> nemesisFailure = new AtomicReference<>();
            Thread nemesis = new Thread(() -> {
                try {
                    runNemesis(cluster, new SplittableRandom(seed), done);
                } catch (Exception | AssertionError e) {
                    nemesisFailure.set(e);
                }
            }, "nemesis");
            nemesis.start();
            nemesis.join();
            done.set(true);
            for (Thread t : clients) {
                t.join();
            }
            if (nemesisFailure.get() != null) {
                throw new AssertionError("seed " + seed + ": the nemesis failed", nemesisFailure.get());
            }
            cluster.heal();
            for (long node : cluster.nodes()) {
                if (!cluster.isUp(node)) {
                    cluster.restart(node);
                }
            }
            // A last read of every key, once healed, must see every acknowledged write.
            for (String key : KEYS) {
                runOperation(cluster, 99, new SplittableRandom(seed), KvInput.get(key), history, Duration.ofSeconds(30));
            }
        }
        CheckResult<KvInput, KvOutput> result = LinearizabilityChecker.check(KvModel.INSTANCE, history);
        assertTrue(result.isLinearizable(), () -> "seed " + seed + " (replay the nemesis with -Dflotilla.embedded.seed="
                + seed + "): " + result);
        long completed = history.stream().filter(op -> !op.isPending()).count();
        System.out.println("embedded cluster: seed=" + seed + " operations=" + history.size() + " completed=" + completed
                + " nemesis steps=" + NEMESIS_STEPS + " linearizable=" + result.isLinearizable());
        assertTrue(completed > history.size() / 2, "most operations completed: " + completed + " of " + history.size());
    }

    private static void runClient(EmbeddedCluster cluster, int client, long seed, AtomicBoolean done,
                                  List<Operation<KvInput, KvOutput>> history) {
        SplittableRandom random = new SplittableRandom(seed);
        long written = 0;
        while (!done.get()) {
            String key = KEYS[random.nextInt(KEYS.length)];
            int roll = random.nextInt(10);
            KvInput input = roll < 4 ? KvInput.get(key)
                    : roll < 7 ? KvInput.put(key, client * 1_000_000L + ++written)
                    : KvInput.cas(key, client * 1_000_000L + Math.max(1, written), client * 1_000_000L + ++written);
            runOperation(cluster, client, random, input, history, Duration.ofSeconds(2));
        }
    }

    /** One operation against a node; refusals are retried at the leader hint or elsewhere. */
    private static void runOperation(EmbeddedCluster cluster, int client, SplittableRandom random, KvInput input,
                                     List<Operation<KvInput, KvOutput>> history, Duration timeout) {
        long invoked = System.nanoTime();
        long deadline = invoked + timeout.toNanos();
        long target = 1 + random.nextInt(cluster.nodes().size());
        while (System.nanoTime() < deadline) {
            if (!cluster.isUp(target)) {
                target = 1 + random.nextInt(cluster.nodes().size());
                continue;
            }
            try {
                KvOutput output = call(cluster, target, input, deadline);
                history.add(new Operation<>(client, input, output, invoked, System.nanoTime()));
                return;
            } catch (GroupUnavailableException e) {
                if (e.reason() == GroupUnavailableException.Reason.STOPPED && !(input instanceof KvInput.Get)) {
                    // The node died holding the proposal: it may still commit.
                    break;
                }
                target = e.leaderHint() != 0 ? e.leaderHint() : 1 + random.nextInt(cluster.nodes().size());
            } catch (TimeoutException | IllegalStateException e) {
                // Timed out (or the node went down as we called it): a write may still take effect.
                if (!(input instanceof KvInput.Get)) {
                    break;
                }
                target = 1 + random.nextInt(cluster.nodes().size());
            }
        }
        if (!(input instanceof KvInput.Get)) {
            history.add(Operation.pending(client, input, invoked));
        }
    }

    private static KvOutput call(EmbeddedCluster cluster, long node, KvInput input, long deadline)
            throws GroupUnavailableException, TimeoutException {
        CompletableFuture<KvOutput> answer;
        if (input instanceof KvInput.Get get) {
            KvMachine machine = cluster.stateMachine(node, GROUP);
            answer = cluster.host(node).read(GROUP, () -> {
                OptionalLong v = machine.get(get.key());
                return v.isPresent() ? KvOutput.read(v.getAsLong()) : KvOutput.absent();
            });
        } else {
            byte[] command = input instanceof KvInput.Put put ? KvMachine.command(false, put.key(), 0, put.value())
                    : KvMachine.command(true, input.key(), ((KvInput.Cas) input).expected(), ((KvInput.Cas) input).newValue());
            answer = cluster.host(node).propose(GROUP, command).thenApply(committed -> output(input, committed));
        }
        try {
            return answer.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupUnavailableException unavailable) {
                throw unavailable;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static KvOutput output(KvInput input, Committed committed) {
        return input instanceof KvInput.Cas ? KvOutput.swapped((Boolean) committed.result()) : KvOutput.written();
    }

    private static void runNemesis(EmbeddedCluster cluster, SplittableRandom random, AtomicBoolean done)
            throws InterruptedException, TimeoutException, java.io.IOException {
        for (int step = 0; step < NEMESIS_STEPS; step++) {
            TimeUnit.MILLISECONDS.sleep(random.nextLong(100, 400));
            long node = 1 + random.nextInt(3);
            // Halfway through, a fourth node joins as a learner and is promoted, faults or not.
            int action = step == NEMESIS_STEPS / 2 ? 7 : random.nextInt(7);
            switch (action) {
                case 0 -> cluster.heal();
                case 1 -> cluster.isolate(node);
                case 2 -> cluster.cut(node, 1 + random.nextInt(3));
                case 3 -> {
                    if (cluster.isUp(node)) {
                        cluster.crash(node);
                    } else {
                        cluster.restart(node);
                    }
                }
                case 4 -> {
                    if (cluster.isUp(node)) {
                        cluster.pause(node);
                        TimeUnit.MILLISECONDS.sleep(random.nextLong(50, 500));
                        cluster.resume(node);
                    }
                }
                case 6 -> {
                    // Drop a replica's log up to its state: followers behind it catch up from a snapshot.
                    if (cluster.isUp(node)) {
                        cluster.compact(GROUP, node);
                    }
                }
                case 5 -> {
                    try {
                        cluster.transferLeadership(GROUP, node, Duration.ofSeconds(1));
                    } catch (TimeoutException noLeaderNow) {
                        // Nobody leads at the moment (a partition or crash): nothing to transfer.
                    }
                }
                default -> {
                    cluster.heal();
                    long learner = cluster.addNode();
                    cluster.addLearner(GROUP, learner, KvMachine::new, TIMEOUT);
                    cluster.promote(GROUP, learner, TIMEOUT);
                }
            }
            // Keep a quorum within reach: at most one node down at a time.
            long down = cluster.nodes().stream().filter(n -> !cluster.isUp(n)).count();
            for (long n : cluster.nodes()) {
                if (down > 1 && !cluster.isUp(n)) {
                    cluster.restart(n);
                    down--;
                }
            }
        }
    }
}
