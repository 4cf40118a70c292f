package io.flotilla.statemachine.store;

/** Thrown by an install hook: an Error, so that no failure handling in the store runs, as in a crash. */
final class SimulatedCrash extends Error {

    private static final long serialVersionUID = 1L;

    SimulatedCrash(InstallStage stage) {
        super("simulated crash at " + stage);
    }
}
