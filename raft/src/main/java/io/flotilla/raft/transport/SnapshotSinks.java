package io.flotilla.raft.transport;

import io.flotilla.raft.core.Message;
import java.io.IOException;

/** Opens a {@link SnapshotSink} for each incoming snapshot stream; implemented by the host. */
@FunctionalInterface
public interface SnapshotSinks {

    /**
     * A peer starts streaming an image of {@code group}. {@code announcement} is the message to
     * step into that group's core once the sink completes. Throwing refuses the transfer (the
     * sender's future fails with the reason).
     */
    SnapshotSink open(long group, Message.InstallSnapshot announcement) throws IOException;
}
