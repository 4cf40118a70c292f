package io.flotilla.bench.load;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds the clients until every one has connected and prepared, so connection setup is not part
 * of the run and all clients share one schedule.
 */
final class StartGate {

    private final CountDownLatch arrived;
    private final CountDownLatch opened = new CountDownLatch(1);
    private volatile Schedule schedule;

    StartGate(int clients) {
        arrived = new CountDownLatch(clients);
    }

    /** A client that failed to set up arrives too, so the others are not held forever. */
    void arrive() {
        arrived.countDown();
    }

    Schedule awaitOpen() throws InterruptedException {
        opened.await();
        return schedule;
    }

    /** Waits for every client, then starts the run now; false if they took longer than the timeout. */
    boolean open(int warmupSeconds, int seconds, long timeoutSeconds) throws InterruptedException {
        boolean all = arrived.await(timeoutSeconds, TimeUnit.SECONDS);
        schedule = Schedule.from(System.nanoTime(), warmupSeconds, seconds);
        opened.countDown();
        return all;
    }
}
