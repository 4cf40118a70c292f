package io.flotilla.raft.embedded;

import io.flotilla.raft.log.LogDirectory;
import io.flotilla.raft.log.LogFile;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real log directory that can be crashed: it remembers how long each file was when last forced
 * and which files were created since the directory was last synced. {@link #crash()} makes every
 * later write fail, and {@link #recover()} then cuts each file back to its forced length and removes
 * files whose creation never became durable — what a power cut leaves of real files. A deletion is
 * taken as durable at once: the log deletes a segment only after the compaction that emptied it
 * is durable, so the segment coming back would change nothing.
 */
final class CrashableDirectory implements LogDirectory {

    private final LogDirectory real;
    private final Map<String, Long> forcedLength = new ConcurrentHashMap<>();
    private final Set<String> createdSinceSync = new HashSet<>();
    private volatile boolean crashed;

    CrashableDirectory(LogDirectory real) {
        this.real = real;
    }

    @Override
    public List<String> list() throws IOException {
        return real.list();
    }

    @Override
    public LogFile create(String name) throws IOException {
        failIfCrashed();
        LogFile file = real.create(name);
        synchronized (createdSinceSync) {
            createdSinceSync.add(name);
        }
        forcedLength.put(name, 0L);
        return new CrashableFile(name, file);
    }

    @Override
    public LogFile open(String name) throws IOException {
        LogFile file = real.open(name);
        forcedLength.putIfAbsent(name, file.size());
        return new CrashableFile(name, file);
    }

    @Override
    public void delete(String name) throws IOException {
        failIfCrashed();
        real.delete(name);
        forcedLength.remove(name);
    }

    @Override
    public void sync() throws IOException {
        failIfCrashed();
        real.sync();
        synchronized (createdSinceSync) {
            createdSinceSync.clear();
        }
    }

    @Override
    public String describe() {
        return real.describe();
    }

    /** From now on every write fails, as if the machine had stopped. */
    void crash() {
        crashed = true;
    }

    /** Leaves only what had been made durable before the crash; the directory works again. */
    void recover() throws IOException {
        Set<String> lost;
        synchronized (createdSinceSync) {
            lost = new HashSet<>(createdSinceSync);
            createdSinceSync.clear();
        }
        for (String name : real.list()) {
            if (lost.contains(name)) {
                real.delete(name);
                forcedLength.remove(name);
                continue;
            }
            Long length = forcedLength.get(name);
            if (length != null) {
                try (LogFile file = real.open(name)) {
                    if (file.size() > length) {
                        file.truncate(length);
                        file.force();
                    }
                }
            }
        }
        real.sync();
        crashed = false;
    }

    private void failIfCrashed() throws IOException {
        if (crashed) {
            throw new IOException("the node crashed");
        }
    }

    private final class CrashableFile implements LogFile {

        private final String name;
        private final LogFile real;

        CrashableFile(String name, LogFile real) {
            this.name = name;
            this.real = real;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public void append(java.nio.ByteBuffer source) throws IOException {
            failIfCrashed();
            real.append(source);
        }

        @Override
        public int read(java.nio.ByteBuffer target, long position) throws IOException {
            return real.read(target, position);
        }

        @Override
        public void force() throws IOException {
            failIfCrashed();
            long size = real.size();
            real.force();
            forcedLength.put(name, size);
        }

        @Override
        public void truncate(long size) throws IOException {
            failIfCrashed();
            real.truncate(size);
        }

        @Override
        public void close() throws IOException {
            real.close();
        }
    }
}
