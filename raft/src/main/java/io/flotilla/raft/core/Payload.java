package io.flotilla.raft.core;

import java.util.Arrays;

/** What a log entry carries. The core looks inside only to track membership. */
public sealed interface Payload {

    /** Bytes this payload counts for in flow control and batching. */
    int size();

    /** An opaque command for the state machine above. */
    record Command(byte[] data) implements Payload {
        public Command {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        /** The bytes without a defensive copy, for codecs and hashing that do not keep them. */
        public byte[] unsafeData() {
            return data;
        }

        @Override
        public int size() {
            return data.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Command c && Arrays.equals(data, c.data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Command[" + data.length + " bytes]";
        }
    }

    /** The entry a new leader appends to commit something of its own term. */
    record Noop() implements Payload {
        @Override
        public int size() {
            return 0;
        }
    }

    /** A membership that takes effect on every replica as soon as the entry is in its log. */
    record Reconfiguration(Membership membership) implements Payload {
        @Override
        public int size() {
            return 8 * membership.all().size();
        }
    }
}
