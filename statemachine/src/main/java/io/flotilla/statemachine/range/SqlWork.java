package io.flotilla.statemachine.range;

import java.sql.Connection;
import java.sql.SQLException;

/** Work done with a range's H2 session. */
@FunctionalInterface
public interface SqlWork<T> {

    T run(Connection connection) throws SQLException;
}
