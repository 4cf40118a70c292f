package io.flotilla.raft.linearizability;

import java.util.Objects;

/** A request to the simulated key-value store: {@code String} keys, {@code long} values. */
public sealed interface KvInput {

    String key();

    static KvInput get(String key) {
        return new Get(key);
    }

    static KvInput put(String key, long value) {
        return new Put(key, value);
    }

    static KvInput cas(String key, long expected, long newValue) {
        return new Cas(key, expected, newValue);
    }

    /** Answered by {@link KvOutput.Read}. */
    record Get(String key) implements KvInput {
        public Get {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String toString() {
            return "get(" + key + ")";
        }
    }

    /** Answered by {@link KvOutput.Written}. */
    record Put(String key, long value) implements KvInput {
        public Put {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String toString() {
            return "put(" + key + ", " + value + ")";
        }
    }

    /**
      * Sets the key to {@code newValue} if it currently holds {@code expected}; an absent key holds
      * nothing, so it never matches. Answered by {@link KvOutput.Swapped}.
      */
    record Cas(String key, long expected, long newValue) implements KvInput {
        public Cas {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String toString() {
            return "cas(" + key + ", " + expected + " -> " + newValue + ")";
        }
    }
}
