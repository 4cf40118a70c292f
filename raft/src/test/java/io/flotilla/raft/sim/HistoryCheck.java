package io.flotilla.raft.sim;

import io.flotilla.raft.linearizability.CheckResult;
import io.flotilla.raft.linearizability.KvInput;
import io.flotilla.raft.linearizability.KvModel;
import io.flotilla.raft.linearizability.KvOutput;
import io.flotilla.raft.linearizability.LinearizabilityChecker;
import io.flotilla.raft.linearizability.Operation;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Hands a simulation's client history to the linearizability checker. */
final class HistoryCheck {

    private HistoryCheck() {
    }

    /** Empty if the history is linearizable, else why not. */
    static Optional<String> check(List<ClientOp> history) {
        List<Operation<KvInput, KvOutput>> operations = new ArrayList<>();
        for (ClientOp op : history) {
            KvInput input = switch (op.kind) {
                case GET -> KvInput.get(op.key);
                case PUT -> KvInput.put(op.key, op.value);
                case CAS -> KvInput.cas(op.key, op.expected, op.value);
            };
            switch (op.status) {
                // Refused: certainly never took effect, so it is no part of the history.
                case FAILED -> {
                }
                case OK -> operations.add(new Operation<>(op.client, input, output(op), op.invokedAt, op.returnedAt));
                // Timed out, or still waiting when the run ended: may have taken effect.
                case UNKNOWN, PENDING -> operations.add(Operation.pending(op.client, input, op.invokedAt));
            }
        }
        CheckResult<KvInput, KvOutput> result = LinearizabilityChecker.check(KvModel.INSTANCE, operations);
        if (result instanceof CheckResult.NotLinearizable<KvInput, KvOutput> bad) {
            return Optional.of(bad.explanation());
        }
        if (result instanceof CheckResult.Unknown<KvInput, KvOutput> unknown) {
            throw new IllegalStateException("unbounded check gave up on " + unknown.partitionKey());
        }
        return Optional.empty();
    }

    private static KvOutput output(ClientOp op) {
        return switch (op.kind) {
            // Every write stores a non-zero value, so zero means the key was never written.
            case GET -> op.output == 0 ? KvOutput.absent() : KvOutput.read(op.output);
            case PUT -> KvOutput.written();
            case CAS -> KvOutput.swapped(op.output == 1);
        };
    }
}
