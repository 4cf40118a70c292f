package io.flotilla.jdbc;

import io.flotilla.protocol.wire.SqlStates;

import java.sql.SQLException;
import java.sql.Wrapper;

/** JDBC's {@link Wrapper} for the driver's objects, which wrap nothing but themselves. */
interface SelfWrapper extends Wrapper {

    @Override
    default <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper for " + iface.getName(), SqlStates.GENERAL_ERROR);
    }

    @Override
    default boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
