package io.flotilla.statemachine.store;

import java.io.IOException;

/**
 * A table was rewritten, dropped or renamed by DDL while its image was being taken, so the rows
 * read would not match the schema the image carries. Take a new snapshot.
 */
public final class ImageInvalidatedException extends IOException {

    private static final long serialVersionUID = 1L;

    public ImageInvalidatedException(String message) {
        super(message);
    }
}
