package io.flotilla.statemachine.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of a replica directory: {@code CURRENT} names the live {@code db-<n>} directory.
 * Switching databases is one atomic rename of {@code CURRENT}, which is what makes an install
 * crash-safe. A database directory holds {@code SHUT_DOWN_CLEANLY} while its database is closed
 * after a clean shutdown, and never while it is open.
 */
final class StoreLayout {

    static final String CURRENT = "CURRENT";
    static final String CURRENT_TEMPORARY = "CURRENT.tmp";
    static final String SHUT_DOWN_CLEANLY = "SHUT_DOWN_CLEANLY";

    private static final Pattern DATABASE_DIRECTORY = Pattern.compile("db-([1-9][0-9]{0,8})");

    private final Path root;

    StoreLayout(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    Path databaseDirectory(int number) {
        return root.resolve("db-" + number);
    }

    /** The database number {@code CURRENT} names, or empty when no database was ever made live. */
    OptionalInt current() throws IOException {
        Path current = root.resolve(CURRENT);
        if (!Files.exists(current)) {
            return OptionalInt.empty();
        }
        String content = Files.readString(current, StandardCharsets.UTF_8).strip();
        Matcher matcher = DATABASE_DIRECTORY.matcher(content);
        if (!matcher.matches()) {
            throw new CorruptStoreException(current + " does not name a database directory: '" + content + "'");
        }
        int number = Integer.parseInt(matcher.group(1));
        if (!Files.isDirectory(databaseDirectory(number))) {
            throw new CorruptStoreException(current + " names " + content + ", which does not exist in " + root);
        }
        return OptionalInt.of(number);
    }

    /** Writes and forces {@code CURRENT.tmp} naming database {@code number}; not yet live. */
    void prepareSwitch(int number) throws IOException {
        DurableFiles.writeForced(root.resolve(CURRENT_TEMPORARY),
                ("db-" + number + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Makes the database named by {@link #prepareSwitch} the live one, durably. */
    void commitSwitch() throws IOException {
        DurableFiles.renameOver(root.resolve(CURRENT_TEMPORARY), root.resolve(CURRENT));
    }

    /** Whether the database in {@code directory} was shut down cleanly and has not been opened since. */
    static boolean shutDownCleanly(Path directory) {
        return Files.exists(directory.resolve(SHUT_DOWN_CLEANLY));
    }

    /**
     * Records, durably, that the database in {@code directory} was shut down cleanly: its files are
     * forced first, so the mark never survives a power cut that the database's last writes did not.
     */
    static void markShutDownCleanly(Path directory) throws IOException {
        DurableFiles.syncTree(directory);
        DurableFiles.writeForced(directory.resolve(SHUT_DOWN_CLEANLY), new byte[0]);
        DurableFiles.syncDirectory(directory);
    }

    /**
     * The database in {@code directory} is about to be opened: from now until its next clean
     * shutdown, what its files hold is not to be trusted. Durable before the database opens.
     */
    static void clearShutDownCleanly(Path directory) throws IOException {
        if (Files.deleteIfExists(directory.resolve(SHUT_DOWN_CLEANLY))) {
            DurableFiles.syncDirectory(directory);
        }
    }

    /** A number no database directory uses yet, above every existing one. */
    int nextNumber() throws IOException {
        int highest = 0;
        for (int number : databaseNumbers()) {
            highest = Math.max(highest, number);
        }
        if (highest == Integer.MAX_VALUE) {
            throw new CorruptStoreException("database numbers exhausted in " + root);
        }
        return highest + 1;
    }

    /**
     * Deletes what an interrupted install or creation left: every database directory but the live
     * one, and an unrenamed {@code CURRENT.tmp}.
     */
    void removeLeftovers(OptionalInt live) throws IOException {
        Files.deleteIfExists(root.resolve(CURRENT_TEMPORARY));
        for (int number : databaseNumbers()) {
            if (live.isEmpty() || live.getAsInt() != number) {
                DurableFiles.deleteTree(databaseDirectory(number));
            }
        }
        DurableFiles.syncDirectory(root);
    }

    private List<Integer> databaseNumbers() throws IOException {
        List<Integer> numbers = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                Matcher matcher = DATABASE_DIRECTORY.matcher(entry.getFileName().toString());
                if (matcher.matches() && Files.isDirectory(entry)) {
                    numbers.add(Integer.parseInt(matcher.group(1)));
                }
            }
        }
        return numbers;
    }
}
