package io.flotilla.jdbc;

import io.flotilla.protocol.wire.SqlStates;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} for tools configured with one (Flyway, connection pools by class name,
 * application servers): every connection is the driver's, for the URL set with {@link #setUrl}.
 */
public class FlotillaDataSource implements SelfWrapper, DataSource {

    private final FlotillaDriver driver = new FlotillaDriver();
    private volatile String url;
    private volatile int loginTimeoutSeconds;
    private volatile PrintWriter logWriter;

    public FlotillaDataSource() {
    }

    public FlotillaDataSource(String url) {
        setUrl(url);
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public String getUrl() {
        return url;
    }

    @Override
    public Connection getConnection() throws SQLException {
        String u = url;
        if (u == null) {
            throw new SQLException("the data source has no URL: call setUrl first", SqlStates.UNABLE_TO_CONNECT);
        }
        Connection c = driver.connect(u, new Properties());
        if (c == null) {
            throw new SQLException("not a Flotilla URL: " + u, SqlStates.UNABLE_TO_CONNECT);
        }
        return c;
    }

    /** Flotilla has no authentication yet: user and password are accepted and not used. */
    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    /** Kept for tools that set it; the URL's {@code connectTimeout} bounds each node's connection. */
    @Override
    public void setLoginTimeout(int seconds) {
        this.loginTimeoutSeconds = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeoutSeconds;
    }

    @Override
    public Logger getParentLogger() {
        return Logger.getLogger(FlotillaDriver.class.getPackageName());
    }
}
