package io.flotilla.raft.transport;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.wire.GroupMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Keeps every delivered message, and lets a test wait until enough of them arrived. */
final class RecordingInbound implements InboundMessages {

    private final List<GroupMessage> received = new ArrayList<>();
    private final List<Long> heard = new ArrayList<>();
    private volatile Runnable onDeliver = () -> { };

    @Override
    public synchronized void deliver(long group, Message message) {
        received.add(new GroupMessage(group, message));
        onDeliver.run();
        notifyAll();
    }

    @Override
    public synchronized void heard(long node) {
        heard.add(node);
        notifyAll();
    }

    /** Waits until frames from {@code node} arrived {@code count} times; returns how many messages came meanwhile. */
    synchronized int awaitHeard(long node, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (heard.stream().filter(n -> n == node).count() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("heard from node " + node + " " + heard.size() + " times, not " + count);
            }
            Duration wait = Duration.ofNanos(left);
            wait(wait.toMillis(), (int) (wait.toNanos() % 1_000_000));
        }
        return received.size();
    }

    /** Runs on the event loop after each delivery, e.g. to look at another component's progress. */
    void onDeliver(Runnable hook) {
        this.onDeliver = hook;
    }

    synchronized List<GroupMessage> all() {
        return List.copyOf(received);
    }

    /** Waits until at least {@code count} messages arrived; fails after the (generous) timeout. */
    List<GroupMessage> await(int count, Duration timeout) throws InterruptedException {
        return awaitMatching(m -> true, count, timeout);
    }

    synchronized List<GroupMessage> awaitMatching(Predicate<GroupMessage> which, int count, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<GroupMessage> matching = received.stream().filter(which).toList();
            if (matching.size() >= count) {
                return matching;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("received " + matching.size() + " of " + count + " expected messages within "
                        + timeout);
            }
            Duration wait = Duration.ofNanos(left);
            wait(Math.max(1, wait.toMillis()));
        }
    }
}
