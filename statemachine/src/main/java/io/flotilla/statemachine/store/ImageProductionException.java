package io.flotilla.statemachine.store;

import java.io.IOException;
import java.sql.SQLException;

/** H2 failed while the rows of an image were being read; the image is incomplete and unusable. */
public final class ImageProductionException extends IOException {

    private static final long serialVersionUID = 1L;

    public ImageProductionException(String message, SQLException cause) {
        super(message + ": " + cause.getMessage(), cause);
    }
}
