package io.flotilla.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.protocol.wire.HostAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SuspectNodesTest {
    private static final HostAddress A = new HostAddress("a", 1);
    private static final HostAddress B = new HostAddress("b", 2);
    private static final HostAddress C = new HostAddress("c", 3);

    @Test
    void suspectsGoLastAndTheRestKeepTheirOrder() {
        SuspectNodes suspects = new SuspectNodes(TimeUnit.MINUTES.toNanos(1));
        suspects.suspect(A);
        List<HostAddress> candidates = new ArrayList<>(List.of(A, B, C));
        suspects.trustedFirst(candidates);
        assertEquals(List.of(B, C, A), candidates);
        suspects.trust(A);
        assertFalse(suspects.isSuspect(A), "a node that answered is trusted again");
    }

    @Test
    void suspicionWearsOff() {
        SuspectNodes suspects = new SuspectNodes(1);
        suspects.suspect(B);
        long start = System.nanoTime();
        while (System.nanoTime() - start < 1_000) {
            Thread.onSpinWait();
        }
        assertFalse(suspects.isSuspect(B));
        SuspectNodes lasting = new SuspectNodes(TimeUnit.MINUTES.toNanos(1));
        lasting.suspect(B);
        assertTrue(lasting.isSuspect(B));
    }
}
