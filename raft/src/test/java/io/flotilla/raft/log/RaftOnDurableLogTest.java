package io.flotilla.raft.log;

import static io.flotilla.raft.log.TestEntries.BOOTSTRAP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.core.Config;
import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.core.Proposal;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.Role;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real core on the durable log: a single-node group proposes, stops, and carries on from disk. */
class RaftOnDurableLogTest {

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong();
    private final Config config = Config.of(1);

    @Test
    void aRestartedReplicaKeepsItsTermVoteAndCommittedLog() throws Exception {
        List<byte[]> proposed = new ArrayList<>();
        long termBefore;
        long commitBefore;
        try (GroupCommit writer = GroupCommit.start("raft-log");
             DurableLog log = DurableLog.open(FileSystemDirectory.open(dir), writer, BOOTSTRAP, LogOptions.defaults())) {
            Raft raft = new Raft(config, log, clock::get, new Random(1));
            List<Entry> applied = new ArrayList<>();
            electSelf(raft, log, applied);
            for (int i = 0; i < 50; i++) {
                byte[] command = ("put k" + i).getBytes(StandardCharsets.UTF_8);
                proposed.add(command);
                assertInstanceOf(Proposal.Appended.class, raft.propose(command));
                if (i % 7 == 0) {
                    drive(raft, log, applied);
                }
            }
            drive(raft, log, applied);
            assertEquals(proposed.size(), commands(applied).size());
            termBefore = raft.term();
            commitBefore = raft.committed();
            assertEquals(termBefore, log.hardState().term());
            assertEquals(1, log.hardState().vote());
            assertEquals(commitBefore, log.hardState().commit());
        }
        try (GroupCommit writer = GroupCommit.start("raft-log");
             DurableLog log = DurableLog.open(FileSystemDirectory.open(dir), writer, BOOTSTRAP, LogOptions.defaults())) {
            Raft raft = new Raft(config, log, clock::get, new Random(2));
            assertEquals(termBefore, raft.term());
            assertEquals(commitBefore, raft.committed());
            List<Entry> applied = new ArrayList<>();
            drive(raft, log, applied);
            List<byte[]> replayed = commands(applied);
            assertEquals(proposed.size(), replayed.size(), "committed commands are applied again from the log");
            for (int i = 0; i < proposed.size(); i++) {
                assertArrayEquals(proposed.get(i), replayed.get(i));
            }
            electSelf(raft, log, applied);
            assertTrue(raft.term() > termBefore);
            assertInstanceOf(Proposal.Appended.class, raft.propose("after restart".getBytes(StandardCharsets.UTF_8)));
            drive(raft, log, applied);
            assertEquals(raft.lastIndex(), raft.committed());
            assertEquals(proposed.size() + 1, commands(applied).size());
        }
    }

    private void electSelf(Raft raft, DurableLog log, List<Entry> applied) {
        for (int i = 0; i < 10 && raft.role() != Role.LEADER; i++) {
            clock.addAndGet(2 * config.electionTimeout());
            raft.tick();
            drive(raft, log, applied);
        }
        assertEquals(Role.LEADER, raft.role());
    }

    /** A host's loop, minus the network: persist (and wait for the fsync), apply, advance. */
    private static void drive(Raft raft, DurableLog log, List<Entry> applied) {
        while (raft.hasReady()) {
            Ready ready = raft.ready();
            if (ready.mustPersist()) {
                log.append(WriteBatch.of(ready)).join();
            }
            applied.addAll(ready.committed());
            raft.advance(ready);
        }
    }

    private static List<byte[]> commands(List<Entry> entries) {
        List<byte[]> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.payload() instanceof Payload.Command c) {
                out.add(c.data());
            }
        }
        return out;
    }
}
