package io.flotilla.sql.node;

/**
 * How a node runs a task of its own off the thread that asked for it (a range a split made is
 * opened so, never on the splitting range's group thread). A real node starts a thread; the
 * whole-stack simulator runs the task on a thread of its scheduler, inside the node's incarnation,
 * so that a seed replays exactly and a crash ends the task with the node.
 */
@FunctionalInterface
public interface Spawn {

    void start(String name, Runnable task);

    /** A real node's: a daemon thread per task. */
    Spawn THREADS = (name, task) -> {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    };
}
