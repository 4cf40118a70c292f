package io.flotilla.statemachine.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An install interrupted at any stage, by a crash or by a bad image, leaves the old or the new
 * state complete and usable, never a mix.
 */
class InstallFailureTest {

    private static final AppliedPosition OLD = new AppliedPosition(5, 1);
    private static final AppliedPosition NEW = new AppliedPosition(42, 3);

    @TempDir
    Path dir;

    private byte[] image;
    private Map<String, List<String>> newRows;
    private Map<String, List<String>> oldRows;

    @BeforeEach
    void prepare() throws Exception {
        try (RangeStore source = RangeStore.open(dir.resolve("source"))) {
            SnapshotRoundTripTest.populate(source, NEW.index());
            image = read(source.snapshot());
            try (Connection c = source.connect()) {
                newRows = Contents.rows(c);
            }
        }
        try (RangeStore target = RangeStore.open(target()); Connection c = target.connect()) {
            Contents.execute(c, "CREATE TABLE T(ID INT PRIMARY KEY, V VARCHAR)", "INSERT INTO T VALUES (1, 'old'), (2, 'old')");
            c.setAutoCommit(false);
            AppliedTable.write(c, OLD);
            c.commit();
            oldRows = Contents.rows(c);
        }
    }

    @ParameterizedTest
    @EnumSource(InstallStage.class)
    void crashAtAnyStageLeavesOldOrNewStateAfterReopen(InstallStage crashAt) throws Exception {
        RangeStore target = RangeStore.open(target());
        target.onInstallStage(stage -> {
            if (stage == crashAt) {
                throw new SimulatedCrash(stage);
            }
        });
        assertThrows(SimulatedCrash.class, () -> target.install(channel(image)));
        target.close();

        boolean switched = crashAt.compareTo(InstallStage.SWITCHED) >= 0;
        try (RangeStore reopened = RangeStore.open(target()); Connection c = reopened.connect()) {
            assertEquals(switched ? NEW : OLD, reopened.appliedPosition());
            assertEquals(switched ? newRows : oldRows, Contents.rows(c));
            assertOnlyLiveDatabaseRemains(reopened);
            assertUsable(reopened);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5, 30, 1000, -1000, -40, -1})
    void truncatedImageIsRejectedAndOldStateStays(int cut) throws Exception {
        int length = cut >= 0 ? Math.min(cut, image.length - 1) : image.length + cut;
        assertRejected(Arrays.copyOf(image, length), CorruptImageException.class);
    }

    @Test
    void imagesCutAtEveryFewKilobytesAreAllRejected() throws Exception {
        try (RangeStore target = RangeStore.open(target())) {
            for (int length = 0; length < image.length; length += Math.max(1, image.length / 23)) {
                byte[] cut = Arrays.copyOf(image, length);
                assertThrows(CorruptImageException.class, () -> target.install(channel(cut)), "cut at " + length);
            }
            assertEquals(OLD, target.appliedPosition());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 12, 100, 2000, -2000, -100, -12, -3})
    void damagedImageIsRejectedAndOldStateStays(int at) throws Exception {
        byte[] damaged = image.clone();
        int position = at >= 0 ? Math.min(at, image.length - 1) : image.length + at;
        damaged[position] ^= 0x5a;
        assertRejected(damaged, CorruptImageException.class);
    }

    @Test
    void bytesAfterTheImageAreRejected() throws Exception {
        byte[] longer = Arrays.copyOf(image, image.length + 3);
        assertRejected(longer, CorruptImageException.class);
    }

    @Test
    void somethingElseEntirelyIsRejected() throws Exception {
        assertRejected("not an image at all".getBytes(java.nio.charset.StandardCharsets.UTF_8), CorruptImageException.class);
    }

    @Test
    void failingChannelPropagatesItsErrorAndOldStateStays() throws Exception {
        IOException down = new IOException("peer went away");
        InputStream failing = new InputStream() {
            private final InputStream first = new ByteArrayInputStream(image, 0, image.length / 2);

            @Override
            public int read() throws IOException {
                int b = first.read();
                if (b < 0) {
                    throw down;
                }
                return b;
            }
        };
        try (RangeStore target = RangeStore.open(target()); Connection held = target.connect()) {
            assertSame(down, assertThrows(IOException.class, () -> target.install(Channels.newChannel(failing))));
            assertEquals(OLD, target.appliedPosition());
            assertEquals(oldRows, Contents.rows(held), "connections survive a failed install");
            assertOnlyLiveDatabaseRemains(target);
            assertUsable(target);
        }
    }

    @Test
    void successfulInstallClosesHandedOutConnections() throws Exception {
        try (RangeStore target = RangeStore.open(target())) {
            Connection held = target.connect();
            assertEquals(NEW, target.install(channel(image)));
            assertTrue(held.isClosed());
            assertOnlyLiveDatabaseRemains(target);
            assertEquals(target.databaseDirectory().getFileName().toString(),
                    Files.readString(target().resolve("CURRENT")).strip());
        }
    }

    private void assertRejected(byte[] bad, Class<? extends IOException> expected) throws Exception {
        try (RangeStore target = RangeStore.open(target()); Connection held = target.connect()) {
            IOException rejected = assertThrows(IOException.class, () -> target.install(channel(bad)));
            assertEquals(expected, rejected.getClass(), () -> "got " + rejected);
            assertEquals(OLD, target.appliedPosition());
            assertEquals(oldRows, Contents.rows(held));
            assertOnlyLiveDatabaseRemains(target);
            assertUsable(target);
        }
        try (RangeStore reopened = RangeStore.open(target()); Connection c = reopened.connect()) {
            assertEquals(OLD.index() + 1, reopened.appliedIndex());
            assertEquals(2, Contents.count(c, "T"));
        }
    }

    /** Writes, then takes and installs an image of itself elsewhere: nothing is left half-done. */
    private void assertUsable(RangeStore store) throws Exception {
        long next = store.appliedIndex() + 1;
        try (Connection c = store.connect()) {
            c.setAutoCommit(false);
            AppliedTable.write(c, new AppliedPosition(next, 9));
            c.commit();
        }
        byte[] again = read(store.snapshot());
        try (RangeStore copy = RangeStore.open(dir.resolve("copy-" + System.nanoTime()))) {
            assertEquals(new AppliedPosition(next, 9), copy.install(channel(again)));
        }
        assertArrayEquals(again, read(store.snapshot()), "images of an unchanged database are identical");
    }

    private void assertOnlyLiveDatabaseRemains(RangeStore store) throws IOException {
        try (Stream<Path> entries = Files.list(target())) {
            assertEquals(List.of("CURRENT", store.databaseDirectory().getFileName().toString()),
                    entries.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertFalse(Files.exists(target().resolve("CURRENT.tmp")));
    }

    private Path target() {
        return dir.resolve("target");
    }

    private static ReadableByteChannel channel(byte[] bytes) {
        return Channels.newChannel(new ByteArrayInputStream(bytes));
    }

    static byte[] read(SnapshotImage snapshot) throws IOException {
        try (SnapshotImage image = snapshot; InputStream in = Channels.newInputStream(image)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

}
