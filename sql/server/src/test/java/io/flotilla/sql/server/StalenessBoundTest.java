package io.flotilla.sql.server;

import io.flotilla.statemachine.range.SqlStates;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bounded-staleness rule alone, on a clock the test moves and a leader and replica it scripts:
 * served only with a fact from the leader no older than the bound, and the replica applied that far.
 */
class StalenessBoundTest {

    private static final long MS = 1_000_000;
    private static final long APPLY_WAIT = 50 * MS;

    private final AtomicLong now = new AtomicLong(1_000 * MS);
    /** What the scripted leader answers; it can also move the clock while it answers. */
    private final AtomicLong leaderIndex = new AtomicLong(10);
    private final AtomicLong roundTripTakes = new AtomicLong();
    private final AtomicInteger roundTrips = new AtomicInteger();
    private volatile SQLException leaderFails;
    private final AtomicLong appliedHere = new AtomicLong(10);
    /** Waits for apply: in this script the replica never moves on during a wait, and time passes by the wait. */
    private final List<Long> waits = new ArrayList<>();

    private StalenessBound bound() {
        return new StalenessBound(now::get, () -> {
            roundTrips.incrementAndGet();
            SQLException failure = leaderFails;
            if (failure != null) {
                throw failure;
            }
            now.addAndGet(roundTripTakes.get());
            return leaderIndex.get();
        }, (index, timeoutNanos) -> {
            synchronized (waits) {
                waits.add(timeoutNanos);
            }
            if (appliedHere.get() >= index) {
                return true;
            }
            now.addAndGet(Math.max(0, timeoutNanos));
            return false;
        }, APPLY_WAIT, TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void servesWhileTheLeadersAnswerIsYoungerThanTheBoundAndAsksAgainAfter() throws Exception {
        StalenessBound b = bound();
        assertTrue(b.mayServe(100));
        assertEquals(1, roundTrips.get());
        now.addAndGet(100 * MS);
        assertTrue(b.mayServe(100), "exactly the bound old is still within it");
        assertEquals(1, roundTrips.get(), "the cached answer was enough");
        now.addAndGet(1);
        assertTrue(b.mayServe(100));
        assertEquals(2, roundTrips.get(), "older than the bound: asked again");
    }

    @Test
    void theAgeCountsFromBeforeTheQuestionWentOut() throws Exception {
        StalenessBound b = bound();
        roundTripTakes.set(30 * MS);
        assertFalse(b.mayServe(20), "the answer took longer than the bound: it proves nothing fresh enough");
        assertTrue(b.mayServe(40));
    }

    @Test
    void aReplicaThatHasNotAppliedWhatTheLeaderHadDoesNotServe() throws Exception {
        StalenessBound b = bound();
        leaderIndex.set(11);
        assertFalse(b.mayServe(1_000), "the replica stays at 10, the leader had 11");
        assertEquals(APPLY_WAIT, waits.get(waits.size() - 1), "it waited the apply wait, no longer");
        appliedHere.set(11);
        assertTrue(b.mayServe(1_000));
    }

    @Test
    void theApplyWaitNeverOutlastsTheBound() throws Exception {
        StalenessBound b = bound();
        leaderIndex.set(11);
        roundTripTakes.set(15 * MS);
        assertFalse(b.mayServe(20));
        assertEquals(5 * MS, waits.get(waits.size() - 1), "20 ms bound, 15 of them spent on the round trip");
    }

    @Test
    void aStaleFactAndAnUnreachableLeaderMeanNotServedHere() throws Exception {
        StalenessBound b = bound();
        assertTrue(b.mayServe(100));
        leaderFails = new SQLException("range 2 has no leader this node can reach", SqlStates.UNAVAILABLE);
        now.addAndGet(101 * MS);
        assertFalse(b.mayServe(100), "cut off from the leader: the old answer must not be used");
        assertTrue(b.mayServe(1_000), "a looser bound is still met by the answer it has");
        assertEquals(2, roundTrips.get());
    }

    @Test
    void concurrentReadersShareOneRoundTrip() throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        StalenessBound b = new StalenessBound(now::get, () -> {
            roundTrips.incrementAndGet();
            asked.countDown();
            try {
                answer.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted", SqlStates.UNAVAILABLE, e);
            }
            return 10;
        }, (index, timeout) -> true, APPLY_WAIT, TimeUnit.SECONDS.toNanos(30));
        ExecutorService readers = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            results.add(readers.submit(() -> b.mayServe(100)));
            assertTrue(asked.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 7; i++) {
                results.add(readers.submit(() -> b.mayServe(100)));
            }
            answer.countDown();
            for (Future<Boolean> r : results) {
                assertTrue(r.get(10, TimeUnit.SECONDS));
            }
            assertEquals(1, roundTrips.get(), "the clock did not move: one answer serves every reader");
        } finally {
            readers.shutdownNow();
        }
    }
}
