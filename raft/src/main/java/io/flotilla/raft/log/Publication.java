package io.flotilla.raft.log;

import java.io.IOException;

/** What a staged write does once the writer has made it durable: show it to readers, drop what it made obsolete. */
@FunctionalInterface
interface Publication {

    Publication NONE = () -> { };

    void publish() throws IOException;
}
