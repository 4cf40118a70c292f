package io.flotilla.statemachine.store;

import java.io.IOException;

/**
 * An image that is truncated, damaged or not an image at all. Nothing of it has been made live:
 * the store still holds the state it had before the install.
 */
public final class CorruptImageException extends IOException {

    private static final long serialVersionUID = 1L;

    public CorruptImageException(String message) {
        super(message);
    }

    public CorruptImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
