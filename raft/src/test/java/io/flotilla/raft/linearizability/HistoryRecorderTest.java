package io.flotilla.raft.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryRecorderTest {

    @Test
    void recordsCompletedTimedOutAndOpenCalls() {
        HistoryRecorder<KvInput, KvOutput> recorder = new HistoryRecorder<>();
        HistoryRecorder.Call put = recorder.invoke(1, KvInput.put("x", 1), 10);
        HistoryRecorder.Call lost = recorder.invoke(2, KvInput.put("x", 2), 11);
        HistoryRecorder.Call open = recorder.invoke(3, KvInput.cas("x", 2, 3), 12);
        recorder.ok(put, KvOutput.written(), 13);
        recorder.unknown(lost);
        HistoryRecorder.Call read = recorder.invoke(1, KvInput.get("x"), 14);
        recorder.ok(read, KvOutput.read(3), 15);

        List<Operation<KvInput, KvOutput>> ops = recorder.operations();
        assertEquals(List.of(
                new Operation<>(1, KvInput.put("x", 1), KvOutput.written(), 10, 13),
                Operation.pending(2, KvInput.put("x", 2), 11),
                Operation.pending(3, KvInput.cas("x", 2, 3), 12),
                new Operation<>(1, KvInput.get("x"), KvOutput.read(3), 14, 15)), ops);
        // The read saw 3: the lost put and the open cas must both have taken effect.
        assertTrue(LinearizabilityChecker.check(KvModel.INSTANCE, ops).isLinearizable());
        assertThrows(IllegalStateException.class, () -> recorder.unknown(put));
        recorder.unknown(open);
    }

    @Test
    void rejectsMisuseWithoutCorruptingTheHistory() {
        HistoryRecorder<KvInput, KvOutput> recorder = new HistoryRecorder<>();
        HistoryRecorder.Call call = recorder.invoke(1, KvInput.get("x"), 10);
        assertThrows(IllegalArgumentException.class, () -> recorder.ok(call, KvOutput.absent(), 9));
        assertThrows(NullPointerException.class, () -> recorder.ok(call, null, 11));
        assertThrows(IllegalArgumentException.class,
                () -> new HistoryRecorder<KvInput, KvOutput>().unknown(call));
        recorder.ok(call, KvOutput.absent(), 11);
        assertThrows(IllegalStateException.class, () -> recorder.ok(call, KvOutput.absent(), 12));
        assertEquals(List.of(new Operation<>(1, KvInput.get("x"), KvOutput.absent(), 10, 11)),
                recorder.operations());
    }
}
