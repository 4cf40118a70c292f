package io.flotilla.raft.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** A {@link LogDirectory} on the local file system. Directory sync relies on POSIX (fsync of a directory). */
public final class FileSystemDirectory implements LogDirectory {

    private final Path path;

    private FileSystemDirectory(Path path) {
        this.path = path;
    }

    /** The directory at {@code path}, created (durably, in its parent) if it does not exist. */
    public static FileSystemDirectory open(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            Files.createDirectories(path);
            syncDirectory(path.toAbsolutePath().getParent());
        }
        return new FileSystemDirectory(path);
    }

    @Override
    public List<String> list() throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(path)) {
            for (Path file : files) {
                if (Files.isRegularFile(file)) {
                    names.add(file.getFileName().toString());
                }
            }
        }
        return names;
    }

    @Override
    public LogFile create(String name) throws IOException {
        return new ChannelLogFile(FileChannel.open(path.resolve(name), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE));
    }

    @Override
    public LogFile open(String name) throws IOException {
        return new ChannelLogFile(FileChannel.open(path.resolve(name), StandardOpenOption.READ,
                StandardOpenOption.WRITE));
    }

    @Override
    public void delete(String name) throws IOException {
        Files.delete(path.resolve(name));
    }

    @Override
    public void sync() throws IOException {
        syncDirectory(path);
    }

    @Override
    public String describe() {
        return path.toString();
    }

    private static void syncDirectory(Path directory) throws IOException {
        if (directory == null) {
            return;
        }
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
