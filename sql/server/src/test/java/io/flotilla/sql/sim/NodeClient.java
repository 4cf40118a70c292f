package io.flotilla.sql.sim;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.Commit;
import io.flotilla.protocol.Execute;
import io.flotilla.protocol.ExecuteResult;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.Rollback;
import io.flotilla.sql.server.ClientSession;
import io.flotilla.statemachine.range.SqlStates;

import java.util.List;
import java.util.Optional;

/**
 * A client of the node server, as the JDBC driver is one: it says Hello to a node under its own
 * session id and sends its statements to that node's {@link ClientSession} — which runs them there
 * or forwards them to the leader — across the simulated network. On a broken link or an answer
 * that the node cannot serve, it sends an auto-commit statement again, to another node, under the
 * same sequence number, so that the exactly-once session keeps a write from applying twice. Runs
 * on a simulated thread: its waits are the scheduler's.
 */
abstract class NodeClient {

    private static final int ATTEMPTS = 6;

    /** How a statement ended, as far as the client can tell. */
    sealed interface Answer {
        record Done(ExecuteResult result) implements Answer {
        }

        /** Failed; {@code maybeApplied} when an attempt's fate was lost on the way. */
        record Failed(String sqlState, String message, boolean maybeApplied) implements Answer {
        }
    }

    final int id;
    final StackSimulation sim;
    final Scheduler scheduler;
    final SimThreads threads;
    private byte[] sessionId;
    private long startedMillis;
    /** How many sessions this client has started: a new one before the range forgets the last. */
    private int sessions = 1;
    /** When the range last recorded a write of this session (reads leave no record). */
    private long lastRecordedWrite;
    private SimNode on;
    private int onIncarnation;
    private ClientSession session;
    private long sequence;
    /** Set by the simulation at the end of the workload; read by this client's thread when it runs. */
    boolean stopped;

    NodeClient(int id, StackSimulation sim) {
        this.id = id;
        this.sim = sim;
        this.scheduler = sim.scheduler;
        this.threads = sim.threads;
        this.sessionId = new byte[] {(byte) 0xD1, (byte) id, 1};
        this.startedMillis = 1_700_000_000_000L + scheduler.now() / 1_000_000;
    }

    void start() {
        threads.spawn("client-" + id, () -> {
            while (!stopped) {
                threads.sleep(scheduler.millis(1, 30));
                if (!stopped) {
                    operate();
                }
            }
        });
    }

    /** One operation. */
    abstract void operate();

    /** Runs an auto-commit statement, retried elsewhere under its sequence number as the driver would. */
    Answer execute(Execute.Builder statement) {
        if (scheduler.now() - lastRecordedWrite > StackSimulation.SESSION_TTL.toNanos() / 2) {
            // The range forgets a session whose last recorded write is older than its time-to-live,
            // and then refuses its writes as of unknown outcome: it cannot tell a new write from a
            // retry whose record expired (a node forwarding it may have retried it, unseen by the
            // client). Between statements nothing is in flight, so a new session is safe.
            renewSession();
        }
        statement.setAutoCommit(true).setSequence(++sequence);
        boolean maybeApplied = false;
        String lastState = SqlStates.UNAVAILABLE;
        String lastMessage = "no node could be reached";
        for (int attempt = 1; attempt <= ATTEMPTS && !stopped; attempt++) {
            if (attempt > 1) {
                threads.sleep(scheduler.millis(5, 60));
            }
            ClientSession s = connect();
            if (s == null) {
                continue;
            }
            Request request = Request.newBuilder().setExecute(statement).build();
            if (!travel()) {
                continue;
            }
            Optional<Response> handled = threads.inside(on.incarnationKey(), () -> s.handle(request));
            if (handled.isEmpty() || !travel()) {
                // Sent, and the answer lost: the statement may have applied.
                maybeApplied = true;
                continue;
            }
            Response answer = handled.get();
            if (!answer.hasError() && Boolean.getBoolean("flotilla.stack.printHistory")) {
                System.out.println("  t=" + scheduler.now() / 1_000_000 + "ms client " + id + " attempt " + attempt
                        + " on node " + on.id + ": done at range " + answer.getExecute().getLsn().getRange() + " index "
                        + answer.getExecute().getLsn().getIndex() + ": " + statement.getSql());
            }
            if (!answer.hasError()) {
                if (answer.getExecute().getUpdate().getCount() > 0) {
                    lastRecordedWrite = scheduler.now();
                }
                return new Answer.Done(answer.getExecute());
            }
            lastState = answer.getError().getSqlState();
            lastMessage = answer.getError().getMessage();
            if (Boolean.getBoolean("flotilla.stack.printHistory")) {
                System.out.println("  t=" + scheduler.now() / 1_000_000 + "ms client " + id + " attempt " + attempt + " on node "
                        + on.id + ": " + lastState + " " + lastMessage);
            }
            if (lastState.equals(SqlStates.OUTCOME_UNKNOWN)) {
                maybeApplied = true;
                drop();
            } else if (lastState.equals(SqlStates.NOT_LEADER) || lastState.equals(SqlStates.UNAVAILABLE)
                    || lastState.startsWith("08")) {
                // Not run, or forwarded and lost on the way (08): the driver goes elsewhere.
                maybeApplied |= lastState.startsWith("08") && !lastState.equals(SqlStates.NOT_LEADER)
                        && !lastState.equals(SqlStates.UNAVAILABLE);
                drop();
            } else {
                return new Answer.Failed(lastState, lastMessage, maybeApplied);
            }
        }
        return new Answer.Failed(lastState, lastMessage, true);
    }

    /**
     * Runs statements as one explicit transaction (auto-commit off) on one node's session, then
     * commits it. Never sent again elsewhere, as the driver never resends a transaction: it lives in
     * the session that ran it. {@link Answer.Done} for a commit acknowledged (with the commit's LSN
     * as its result's); otherwise {@link Answer.Failed}, {@code maybeApplied} when the commit was
     * sent and its answer lost or unknown.
     */
    Answer transaction(List<Execute.Builder> statements) {
        if (scheduler.now() - lastRecordedWrite > StackSimulation.SESSION_TTL.toNanos() / 2) {
            renewSession();
        }
        ClientSession s = connect();
        if (s == null) {
            return new Answer.Failed(SqlStates.UNAVAILABLE, "no node could be reached", false);
        }
        for (Execute.Builder statement : statements) {
            Optional<Response> answer = call(s, Request.newBuilder().setExecute(statement.setAutoCommit(false)).build());
            if (answer.isEmpty()) {
                // The node or the link went: the session's transaction went with it, uncommitted.
                return new Answer.Failed("08006", "the link broke inside the transaction", false);
            }
            if (answer.get().hasError()) {
                // As the driver: a state of class 40 ended the transaction, and no rollback follows it.
                if (!answer.get().getError().getSqlState().startsWith("40")) {
                    call(s, Request.newBuilder().setRollback(Rollback.getDefaultInstance()).build());
                }
                return new Answer.Failed(answer.get().getError().getSqlState(), answer.get().getError().getMessage(), false);
            }
        }
        Optional<Response> committed = call(s, Request.newBuilder()
                .setCommit(Commit.newBuilder().setSequence(++sequence)).build());
        if (committed.isEmpty()) {
            return new Answer.Failed("08006", "the link broke with the commit in flight", true);
        }
        Response answer = committed.get();
        if (!answer.hasError()) {
            lastRecordedWrite = scheduler.now();
            return new Answer.Done(ExecuteResult.newBuilder().setLsn(answer.getCommit().getLsn()).build());
        }
        String state = answer.getError().getSqlState();
        boolean maybeApplied = !state.equals(SqlStates.ROLLED_BACK) && !state.equals(SqlStates.NOT_SUPPORTED);
        if (maybeApplied) {
            drop();
        }
        return new Answer.Failed(state, answer.getError().getMessage(), maybeApplied);
    }

    /** One request on the session's node, there and back; empty if the node or the link went on the way. */
    private Optional<Response> call(ClientSession s, Request request) {
        if (!travel()) {
            return Optional.empty();
        }
        Optional<Response> handled = threads.inside(on.incarnationKey(), () -> s.handle(request));
        if (handled.isEmpty() || !travel()) {
            drop();
            return Optional.empty();
        }
        return handled;
    }

    private void renewSession() {
        drop();
        sessionId = new byte[] {(byte) 0xD1, (byte) id, (byte) (sessions >> 8), (byte) ++sessions};
        startedMillis = 1_700_000_000_000L + scheduler.now() / 1_000_000;
        sequence = 0;
    }

    /** Crosses the network to or from the node the session is on; false if the node crashed meanwhile. */
    private boolean travel() {
        threads.sleep(scheduler.millis(0.1, 3));
        if (on == null || !on.up() || on.incarnation() != onIncarnation) {
            session = null;
            on = null;
            return false;
        }
        return true;
    }

    /** The session on the node this client talks to: a node chosen at random, Hello said, if it has none. */
    private ClientSession connect() {
        if (session != null && on.up() && on.incarnation() == onIncarnation) {
            return session;
        }
        session = null;
        for (SimNode node : sim.nodesInRandomOrder()) {
            if (!node.up()) {
                continue;
            }
            on = node;
            onIncarnation = node.incarnation();
            if (!travel()) {
                continue;
            }
            ClientSession opened = node.openSession();
            Optional<Response> hello = threads.inside(node.incarnationKey(), () -> opened.handle(Request.newBuilder()
                    .setHello(Hello.newBuilder().setSessionId(ByteString.copyFrom(sessionId))
                            .setSessionStartedMillis(startedMillis).setClient("simulated client " + id)).build()));
            if (hello.isEmpty() || !travel() || hello.get().hasError()) {
                continue;
            }
            session = opened;
            return session;
        }
        return null;
    }

    /** Leaves the node: the session there ends, as when the driver closes its connection. */
    private void drop() {
        if (session != null) {
            ClientSession s = session;
            session = null;
            if (on.up() && on.incarnation() == onIncarnation) {
                s.close();
            }
        }
    }
}
