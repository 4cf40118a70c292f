package io.flotilla.jdbc;

import io.flotilla.protocol.wire.SqlStates;
import java.sql.SQLException;
import java.sql.Savepoint;

/** A savepoint of an open transaction; unnamed ones get a generated name and an id. */
final class FlotillaSavepoint implements Savepoint {
    private final int id;
    private final String name;
    private final boolean named;

    FlotillaSavepoint(int id, String name, boolean named) {
        this.id = id;
        this.name = name;
        this.named = named;
    }

    /** The name sent in SAVEPOINT / ROLLBACK TO SAVEPOINT / RELEASE SAVEPOINT. */
    String sqlName() {
        return name;
    }

    @Override
    public int getSavepointId() throws SQLException {
        if (named) {
            throw new SQLException("savepoint '" + name + "' is named and has no id", SqlStates.GENERAL_ERROR);
        }
        return id;
    }

    @Override
    public String getSavepointName() throws SQLException {
        if (!named) {
            throw new SQLException("savepoint " + id + " is unnamed", SqlStates.GENERAL_ERROR);
        }
        return name;
    }

    @Override
    public String toString() {
        return named ? name : "savepoint " + id;
    }
}
