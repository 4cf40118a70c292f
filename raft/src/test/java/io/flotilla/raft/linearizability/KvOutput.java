package io.flotilla.raft.linearizability;

import java.util.Objects;
import java.util.OptionalLong;

/**
  * A response of the simulated key-value store. Absence is a value here ({@link #absent()}),
  * because a {@code null} output already means "the client never learnt the output".
  */
public sealed interface KvOutput {

    static KvOutput read(long value) {
        return new Read(OptionalLong.of(value));
    }

    static KvOutput absent() {
        return new Read(OptionalLong.empty());
    }

    static KvOutput written() {
        return new Written();
    }

    static KvOutput swapped(boolean success) {
        return new Swapped(success);
    }

    /** What a {@link KvInput.Get} saw; empty if the key was absent. */
    record Read(OptionalLong value) implements KvOutput {
        public Read {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return value.isPresent() ? Long.toString(value.getAsLong()) : "absent";
        }
    }

    /** A {@link KvInput.Put} was acknowledged. */
    record Written() implements KvOutput {
        @Override
        public String toString() {
            return "ok";
        }
    }

    /** Whether a {@link KvInput.Cas} found its expected value and swapped. */
    record Swapped(boolean success) implements KvOutput {
        @Override
        public String toString() {
            return success ? "swapped" : "not swapped";
        }
    }
}
