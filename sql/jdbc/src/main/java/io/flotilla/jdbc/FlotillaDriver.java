package io.flotilla.jdbc;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * The JDBC entry point for {@code jdbc:flotilla://host1:port1,host2:port2[/db][?key=value&...]}.
 * Options: consistency, connectTimeout, socketTimeout, fetchSize, readOnly, failoverTimeout
 * (see {@link #getPropertyInfo}); Properties override the URL.
 */
public final class FlotillaDriver implements Driver {
    public static final int MAJOR_VERSION = 0;
    public static final int MINOR_VERSION = 1;
    public static final String VERSION = MAJOR_VERSION + "." + MINOR_VERSION + ".0";
    public static final String NAME = "Flotilla JDBC Driver";

    static {
        try {
            DriverManager.registerDriver(new FlotillaDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Returns null for URLs of other drivers, as DriverManager asks every driver in turn. */
    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        return new FlotillaConnection(url, DriverConfig.parse(url, info));
    }

    @Override
    public boolean acceptsURL(String url) {
        return DriverConfig.accepts(url);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        Properties given = info == null ? new Properties() : info;
        DriverConfig.Option[] options = DriverConfig.Option.values();
        DriverPropertyInfo[] result = new DriverPropertyInfo[options.length];
        for (int i = 0; i < options.length; i++) {
            DriverConfig.Option o = options[i];
            DriverPropertyInfo p = new DriverPropertyInfo(o.key, given.getProperty(o.key, o.defaultValue));
            p.description = o.description;
            p.required = false;
            if (o == DriverConfig.Option.READ_ONLY) {
                p.choices = new String[] {"true", "false"};
            } else if (o == DriverConfig.Option.CONSISTENCY) {
                p.choices = new String[] {"linearizable", "session", "stale", "bounded:<millis>"};
            }
            result[i] = p;
        }
        return result;
    }

    @Override
    public int getMajorVersion() {
        return MAJOR_VERSION;
    }

    @Override
    public int getMinorVersion() {
        return MINOR_VERSION;
    }

    /** Not a full JDBC implementation (no scrollable or updatable result sets, no callable statements). */
    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return Logger.getLogger("io.flotilla.jdbc");
    }
}
