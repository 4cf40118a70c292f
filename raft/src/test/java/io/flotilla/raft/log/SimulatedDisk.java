package io.flotilla.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;

/**
 * An in-memory disk that fails the way real ones do, for tests. Appended bytes are durable only once
 * forced; a created or deleted file name only once its directory is synced. {@link #crash} throws
 * away what was not durable (or keeps a prefix of it: a torn write) and invalidates every open
 * handle, as if the process died. Forces can be made to fail, or held until released.
 */
final class SimulatedDisk {

    /** What survives of the bytes appended after a file's last force. */
    enum CrashMode { LOSE_UNSYNCED, TORN, KEEP_UNSYNCED }

    private final Map<String, Directory> directories = new HashMap<>();
    private int epoch;
    private long forces;
    private IOException forceFailure;
    private volatile CountDownLatch held;
    private volatile CountDownLatch forceWaiting;

    synchronized LogDirectory directory(String name) {
        return directories.computeIfAbsent(name, Directory::new);
    }

    synchronized long forces() {
        return forces;
    }

    /** Every force from now on fails with {@code failure} (and makes nothing durable). */
    synchronized void failForces(IOException failure) {
        forceFailure = failure;
    }

    /** Forces from now on block until {@link #releaseForces()}; returns a latch opened when the first one waits. */
    CountDownLatch holdForces() {
        forceWaiting = new CountDownLatch(1);
        held = new CountDownLatch(1);
        return forceWaiting;
    }

    void releaseForces() {
        CountDownLatch h = held;
        held = null;
        if (h != null) {
            h.countDown();
        }
    }

    /** The process dies: each file keeps its durable bytes, plus, for TORN, a random prefix of the rest. */
    synchronized void crash(CrashMode mode, Random random) {
        epoch++;
        for (Directory d : directories.values()) {
            d.live = new HashMap<>(d.durableNames);
            for (File f : d.live.values()) {
                f.crash(mode, random);
            }
        }
    }

    /** Keeps exactly {@code unsyncedBytes} of what was appended after the last force, in every file. */
    synchronized void crashKeeping(int unsyncedBytes) {
        epoch++;
        for (Directory d : directories.values()) {
            d.live = new HashMap<>(d.durableNames);
            for (File f : d.live.values()) {
                f.keep(unsyncedBytes);
            }
        }
    }

    synchronized List<String> files(String directory) {
        return new ArrayList<>(directories.get(directory).live.keySet());
    }

    synchronized long size(String directory, String file) {
        return directories.get(directory).live.get(file).length;
    }

    /** Damages a byte already on disk (durably), as bit rot would. */
    synchronized void flip(String directory, String file, long offset) {
        File f = directories.get(directory).live.get(file);
        f.data[(int) offset] ^= 0x5a;
        if (offset < f.durable.length) {
            f.durable[(int) offset] ^= 0x5a;
        }
    }

    /** Appends bytes durably, as a crash might leave them (garbage, zeros, a partial frame). */
    synchronized void appendDurably(String directory, String file, byte[] bytes) {
        File f = directories.get(directory).live.get(file);
        f.write(bytes, f.length);
        f.durable = Arrays.copyOf(f.data, f.length);
    }

    private final class Directory implements LogDirectory {
        final String name;
        Map<String, File> live = new HashMap<>();
        Map<String, File> durableNames = new HashMap<>();

        Directory(String name) {
            this.name = name;
        }

        @Override
        public List<String> list() {
            synchronized (SimulatedDisk.this) {
                return new ArrayList<>(live.keySet());
            }
        }

        @Override
        public LogFile create(String file) throws IOException {
            synchronized (SimulatedDisk.this) {
                if (live.containsKey(file)) {
                    throw new IOException(file + " exists");
                }
                File f = new File();
                live.put(file, f);
                return new Handle(f, epoch);
            }
        }

        @Override
        public LogFile open(String file) throws IOException {
            synchronized (SimulatedDisk.this) {
                File f = live.get(file);
                if (f == null) {
                    throw new IOException(file + " does not exist");
                }
                return new Handle(f, epoch);
            }
        }

        @Override
        public void delete(String file) throws IOException {
            synchronized (SimulatedDisk.this) {
                if (live.remove(file) == null) {
                    throw new IOException(file + " does not exist");
                }
            }
        }

        @Override
        public void sync() {
            synchronized (SimulatedDisk.this) {
                durableNames = new HashMap<>(live);
            }
        }

        @Override
        public String describe() {
            return "sim:" + name;
        }
    }

    private static final class File {
        byte[] data = new byte[0];
        int length;
        byte[] durable = new byte[0];

        void write(byte[] bytes, int at) {
            if (at + bytes.length > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, at + bytes.length));
            }
            System.arraycopy(bytes, 0, data, at, bytes.length);
            length = Math.max(length, at + bytes.length);
        }

        int unsynced() {
            boolean extendsDurable = length >= durable.length
                    && Arrays.equals(data, 0, durable.length, durable, 0, durable.length);
            return extendsDurable ? length - durable.length : 0;
        }

        void crash(CrashMode mode, Random random) {
            int extra = unsynced();
            int kept = mode == CrashMode.LOSE_UNSYNCED ? 0
                    : mode == CrashMode.KEEP_UNSYNCED ? extra : random.nextInt(extra + 1);
            keep(kept);
        }

        void keep(int unsyncedBytes) {
            int kept = Math.min(unsyncedBytes, unsynced());
            byte[] survived = Arrays.copyOf(data, durable.length + kept);
            data = survived.clone();
            length = survived.length;
            durable = survived;
        }
    }

    private final class Handle implements LogFile {
        private final File file;
        private final int openedIn;
        private boolean closed;

        Handle(File file, int openedIn) {
            this.file = file;
            this.openedIn = openedIn;
        }

        private void check() throws IOException {
            if (closed) {
                throw new ClosedChannelException();
            }
            if (openedIn != epoch) {
                throw new IOException("the process crashed");
            }
        }

        @Override
        public long size() throws IOException {
            synchronized (SimulatedDisk.this) {
                check();
                return file.length;
            }
        }

        @Override
        public void append(ByteBuffer source) throws IOException {
            synchronized (SimulatedDisk.this) {
                check();
                byte[] bytes = new byte[source.remaining()];
                source.get(bytes);
                file.write(bytes, file.length);
            }
        }

        @Override
        public int read(ByteBuffer target, long position) throws IOException {
            synchronized (SimulatedDisk.this) {
                check();
                if (position >= file.length) {
                    return -1;
                }
                int n = (int) Math.min(target.remaining(), file.length - position);
                target.put(file.data, (int) position, n);
                return n;
            }
        }

        @Override
        public void force() throws IOException {
            CountDownLatch h = held;
            if (h != null) {
                forceWaiting.countDown();
                try {
                    h.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while held", e);
                }
            }
            synchronized (SimulatedDisk.this) {
                check();
                if (forceFailure != null) {
                    throw forceFailure;
                }
                forces++;
                file.durable = Arrays.copyOf(file.data, file.length);
            }
        }

        @Override
        public void truncate(long size) throws IOException {
            synchronized (SimulatedDisk.this) {
                check();
                file.length = (int) Math.min(size, file.length);
            }
        }

        @Override
        public void close() {
            synchronized (SimulatedDisk.this) {
                closed = true;
            }
        }
    }
}
