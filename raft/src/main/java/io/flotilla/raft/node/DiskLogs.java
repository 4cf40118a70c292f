package io.flotilla.raft.node;

import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.host.DurableGroupLog;
import io.flotilla.raft.host.GroupLog;
import io.flotilla.raft.host.ImageWriter;
import io.flotilla.raft.log.DurableLog;
import io.flotilla.raft.log.FileSystemDirectory;
import io.flotilla.raft.log.GroupCommit;
import io.flotilla.raft.log.LogDirectory;
import io.flotilla.raft.log.LogOptions;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * A node's logs in segment files: one directory per group ({@code log/} for the segments,
 * {@code images/} for state machine images), every group's writes made durable by one
 * group-commit writer of the node's, so that one fsync covers them all, and every group's images
 * written by one image writer of the node's, so that no group's thread waits for an image.
 */
public final class DiskLogs implements RaftNode.LogStore {

    /** Opens the directory a group's segments live in. */
    @FunctionalInterface
    public interface Directories {
        LogDirectory open(Path path) throws IOException;
    }

    private final LongFunction<Path> groupDirectory;
    private final Directories directories;
    private final GroupCommit writer;
    private final ImageWriter images;
    private final List<DurableLog> opened = new ArrayList<>();

    private DiskLogs(LongFunction<Path> groupDirectory, Directories directories, GroupCommit writer, ImageWriter images) {
        this.groupDirectory = groupDirectory;
        this.directories = directories;
        this.writer = writer;
        this.images = images;
    }

    /**
     * @param groupDirectory where a group's log and images go
     * @param writerName names the writer's thread (and, with {@code -images}, the image writer's)
     */
    public static DiskLogs open(LongFunction<Path> groupDirectory, String writerName) {
        return open(groupDirectory, FileSystemDirectory::open, writerName);
    }

    /** As {@link #open(LongFunction, String)}, the segment directories opened by {@code directories} (a test's crashable ones, say). */
    public static DiskLogs open(LongFunction<Path> groupDirectory, Directories directories, String writerName) {
        return new DiskLogs(groupDirectory, directories, GroupCommit.start(writerName),
                ImageWriter.start(writerName + "-images"));
    }

    @Override
    public synchronized GroupLog open(long group, Membership bootstrap) throws IOException {
        Path dir = groupDirectory.apply(group);
        DurableLog log = DurableLog.open(directories.open(Files.createDirectories(dir.resolve("log"))), writer,
                SnapshotMeta.bootstrap(bootstrap), LogOptions.defaults());
        opened.add(log);
        return new DurableGroupLog(log, dir.resolve("images"), images);
    }

    @Override
    public synchronized boolean holds(long group) throws IOException {
        Path log = groupDirectory.apply(group).resolve("log");
        if (!Files.isDirectory(log)) {
            return false;
        }
        try (var files = Files.list(log)) {
            return files.findAny().isPresent();
        }
    }

    @Override
    public synchronized void create(long group, SnapshotMeta base, ReadableByteChannel image) throws IOException {
        if (holds(group)) {
            image.close();
            throw new FileAlreadyExistsException("the log of group " + group + " in " + groupDirectory.apply(group));
        }
        Path dir = groupDirectory.apply(group);
        DurableGroupLog.create(directories.open(Files.createDirectories(dir.resolve("log"))), writer,
                dir.resolve("images"), images, base, image, LogOptions.defaults());
    }

    /**
     * Stops the image writer (an image it was writing fails, and leaves no file), then the log
     * writer (what it had not forced fails), then closes every log opened here.
     */
    @Override
    public synchronized void close() {
        images.close();
        writer.close();
        for (DurableLog log : opened) {
            try {
                log.close();
            } catch (IOException e) {
                System.getLogger(DiskLogs.class.getName()).log(System.Logger.Level.WARNING, "closing a log failed", e);
            }
        }
        opened.clear();
    }
}
