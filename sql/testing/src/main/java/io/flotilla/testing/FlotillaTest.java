package io.flotilla.testing;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a test class against a real Flotilla cluster started in the test's JVM ({@link
 * FlotillaCluster}). Test methods, lifecycle methods and constructors take a {@link
 * FlotillaCluster}, a {@link javax.sql.DataSource} or a {@link java.sql.Connection} as parameters;
 * fields annotated {@link FromCluster} get them too. See {@link FlotillaExtension} for when
 * clusters start and what is closed when.
 *
 * <pre>{@code
 * @FlotillaTest(nodes = 3)
 * class OrderRepositoryTest {
 *     @FromCluster DataSource db;
 *
 *     @Test
 *     void survivesLeaderCrash(FlotillaCluster cluster) throws Exception {
 *         OrderRepository orders = new OrderRepository(db);
 *         orders.place(...);
 *         cluster.kill(cluster.leader());
 *         orders.place(...);   // the repository's retry logic under test
 *     }
 * }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(FlotillaExtension.class)
public @interface FlotillaTest {

    /** Voters of every range. */
    int nodes() default 3;

    /** Learners of the data range, added once the voters serve. */
    int learners() default 0;

    /**
     * A new cluster for each test method (started before its {@code @BeforeEach} methods, closed
     * after its {@code @AfterEach} methods), rather than one for the whole class (started when
     * first needed, closed after its {@code @AfterAll} methods). One per class is quicker; one per
     * method keeps the faults of one test from reaching the next.
     */
    boolean perMethod() default false;

    /** The Raft election timeout in milliseconds (see {@link FlotillaCluster.Builder#electionTimeout}). */
    long electionTimeoutMillis() default 300;

    /**
     * Other node flags, each {@code name=value} with the flag's name without the dashes, such as
     * {@code "idle-in-transaction-timeout-ms=5000"} (see {@link FlotillaCluster.Builder#nodeSetting}).
     */
    String[] nodeSettings() default {};
}
