package io.flotilla.raft.linearizability;

import java.util.Optional;
import java.util.OptionalLong;

/**
  * The sequential specification of the simulated key-value store: one register per key, absent
  * until first written. Partitioned by key, so a partition's state is that key's value.
  */
public final class KvModel implements Model<OptionalLong, KvInput, KvOutput> {

    public static final KvModel INSTANCE = new KvModel();

    private KvModel() {}

    @Override
    public OptionalLong initialState() {
        return OptionalLong.empty();
    }

    @Override
    public Object partitionKey(KvInput input) {
        return input.key();
    }

    @Override
    public Optional<OptionalLong> step(OptionalLong state, KvInput input, KvOutput output) {
        if (input instanceof KvInput.Get) {
            if (output == null) {
                return Optional.of(state);
            }
            return expect(KvOutput.Read.class, input, output).value().equals(state)
                    ? Optional.of(state)
                    : Optional.empty();
        }
        if (input instanceof KvInput.Put put) {
            if (output != null) {
                expect(KvOutput.Written.class, input, output);
            }
            return Optional.of(OptionalLong.of(put.value()));
        }
        if (input instanceof KvInput.Cas cas) {
            boolean matches = state.isPresent() && state.getAsLong() == cas.expected();
            OptionalLong after = matches ? OptionalLong.of(cas.newValue()) : state;
            if (output == null) {
                return Optional.of(after);
            }
            return expect(KvOutput.Swapped.class, input, output).success() == matches
                    ? Optional.of(after)
                    : Optional.empty();
        }
        throw new IllegalArgumentException("unknown input " + input);
    }

    // A mismatched output is a bug in whoever recorded the history, not a consistency violation.
    private static <T extends KvOutput> T expect(Class<T> type, KvInput input, KvOutput output) {
        if (!type.isInstance(output)) {
            throw new IllegalArgumentException(
                    "output " + output + " (" + output.getClass().getSimpleName() + ") cannot answer "
                            + input);
        }
        return type.cast(output);
    }
}
