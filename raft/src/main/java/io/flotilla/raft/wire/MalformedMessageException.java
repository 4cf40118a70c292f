package io.flotilla.raft.wire;

import java.io.IOException;

/**
 * Bytes or a protobuf message that do not describe a valid core record: unparseable, truncated,
 * missing a required part, or violating an invariant of the record (index 0, a node that is both
 * voter and learner, ...).
 *
 * <p>Checked, and an {@link IOException}, because it always comes from outside the process (a
 * peer or the disk) and each caller has a different right answer that it should be forced to
 * choose: the transport drops the message (and perhaps the connection), log recovery stops
 * rather than replay a corrupt entry. Being an IOException lets both handle it next to the read
 * that produced the bytes.
 */
public final class MalformedMessageException extends IOException {

    public MalformedMessageException(String message) {
        super(message);
    }

    public MalformedMessageException(String message, Throwable cause) {
        super(message, cause);
    }

    /** This failure as seen from an enclosing structure, e.g. the entry of an Append it sits in. */
    MalformedMessageException within(String where) {
        return new MalformedMessageException(where + ": " + getMessage(), this);
    }
}
