package io.flotilla.raft.log;

import java.io.IOException;
import java.util.List;

/**
 * The directory of one group's log. Creating and deleting files changes the directory, which is
 * durable only after {@link #sync()}: a file created and written but never synced in its directory
 * may vanish at a crash, a deleted one may come back.
 */
public interface LogDirectory {

    /** Names of the files in the directory, in no particular order. */
    List<String> list() throws IOException;

    /** Creates a new, empty file; fails if it exists. The caller owns (closes) the result. */
    LogFile create(String name) throws IOException;

    /** Opens an existing file for reading and appending. The caller owns (closes) the result. */
    LogFile open(String name) throws IOException;

    void delete(String name) throws IOException;

    /** Makes creations and deletions so far durable. */
    void sync() throws IOException;

    /** Where this directory is, for messages. */
    String describe();
}
