package io.flotilla.bench.load;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** A database the workloads run against, under a short name for the report. */
record Target(String name, String url, String user, String password) {

    /** The system under test is called "flotilla" when it is one, so the ratio line says so. */
    static Target systemUnderTest(LoadOptions options) {
        String name = options.url().startsWith("jdbc:flotilla:") ? "flotilla" : "sut";
        return new Target(name, options.url(), options.user(), options.password());
    }

    /** This target under another name in the report (the same database split into ranges, say). */
    Target named(String other) {
        return new Target(other, url, user, password);
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }
}
