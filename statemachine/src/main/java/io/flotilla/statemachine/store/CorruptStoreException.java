package io.flotilla.statemachine.store;

import java.io.IOException;

/** A replica directory whose bookkeeping files contradict each other or cannot be parsed. */
public final class CorruptStoreException extends IOException {

    private static final long serialVersionUID = 1L;

    public CorruptStoreException(String message) {
        super(message);
    }
}
