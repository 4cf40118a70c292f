package io.flotilla.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field of a {@link FlotillaTest} class that the extension fills in before each test
 * (before the class's {@code @BeforeEach} methods): of type {@link FlotillaCluster}, {@link
 * javax.sql.DataSource} or {@link java.sql.Connection} (a new connection for each test, closed
 * after it). A static field gets the class's cluster or data source before its {@code @BeforeAll}
 * methods (never a connection, and only when the class has one cluster for all its tests).
 *
 * <p>Only marked fields are touched: a field of one of these types that the test sets itself is
 * left alone.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface FromCluster {
}
