package io.flotilla.jdbc;

import io.flotilla.protocol.Parameter;
import io.flotilla.protocol.wire.SqlStates;
import java.sql.ParameterMetaData;
import java.sql.SQLException;
import java.util.List;

/** A prepared statement's parameters as the node that parsed it describes them. */
final class FlotillaParameterMetaData implements SelfWrapper, ParameterMetaData {
    private final List<Parameter> parameters;

    FlotillaParameterMetaData(List<Parameter> parameters) {
        this.parameters = List.copyOf(parameters);
    }

    @Override
    public int getParameterCount() {
        return parameters.size();
    }

    @Override
    public int isNullable(int param) throws SQLException {
        return parameter(param).getNullable();
    }

    /** As H2's driver, whatever the type. */
    @Override
    public boolean isSigned(int param) throws SQLException {
        parameter(param);
        return true;
    }

    @Override
    public int getPrecision(int param) throws SQLException {
        return parameter(param).getPrecision();
    }

    @Override
    public int getScale(int param) throws SQLException {
        return parameter(param).getScale();
    }

    @Override
    public int getParameterType(int param) throws SQLException {
        return parameter(param).getJdbcType();
    }

    @Override
    public String getParameterTypeName(int param) throws SQLException {
        return parameter(param).getTypeName();
    }

    @Override
    public String getParameterClassName(int param) throws SQLException {
        return parameter(param).getClassName();
    }

    @Override
    public int getParameterMode(int param) throws SQLException {
        parameter(param);
        return parameterModeIn;
    }

    private Parameter parameter(int param) throws SQLException {
        if (param < 1 || param > parameters.size()) {
            throw new SQLException("parameter index " + param + " out of range 1.." + parameters.size(),
                    SqlStates.INVALID_DESCRIPTOR_INDEX);
        }
        return parameters.get(param - 1);
    }
}
