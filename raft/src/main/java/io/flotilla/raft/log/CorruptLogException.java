package io.flotilla.raft.log;

import java.io.IOException;

/**
 * The log on disk is damaged somewhere a crash cannot explain (anywhere but the tail of the last
 * segment), or its records contradict each other. Opening fails rather than serve wrong data; an
 * operator must restore the replica (e.g. wipe it and let it catch up from a snapshot).
 */
public final class CorruptLogException extends IOException {

    private final String file;
    private final long offset;

    public CorruptLogException(String file, long offset, String reason) {
        super(file + " at offset " + offset + ": " + reason);
        this.file = file;
        this.offset = offset;
    }

    public CorruptLogException(String file, long offset, String reason, Throwable cause) {
        super(file + " at offset " + offset + ": " + reason, cause);
        this.file = file;
        this.offset = offset;
    }

    /** The damaged file, as its directory describes it. */
    public String file() {
        return file;
    }

    /** Where in the file the damaged record starts. */
    public long offset() {
        return offset;
    }
}
