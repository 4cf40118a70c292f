package io.flotilla.testing;

import org.junit.jupiter.api.Test;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

/**
 * Runs test classes that use the extension, as a build would, and checks what they leave behind:
 * a failing test still closes its cluster, its connections and deletes its data; test classes
 * running in parallel each get a cluster of their own.
 */
class FlotillaExtensionLifecycleTest {

    /** Set while this test runs the classes below, which skip themselves when anything else runs them. */
    private static volatile boolean running;
    private static final Map<String, FlotillaCluster> clusters = new ConcurrentHashMap<>();
    private static final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private static CountDownLatch bothStarted;

    @Test
    void aFailingTestStillClosesItsClusterAndItsConnections() {
        TestExecutionSummary summary = run(Map.of(), FailingPerClass.class, FailingPerMethod.class);
        assertEquals(2, summary.getTestsFailedCount(), "both fail, on purpose");
        for (String name : Set.of("per class", "per method")) {
            FlotillaCluster cluster = clusters.get(name);
            assertTrue(cluster.runningNodes().isEmpty(), name + ": nodes stopped");
            assertFalse(Files.exists(cluster.dataDirectory()), name + ": data deleted");
            assertTrue(isClosed(connections.get(name)), name + ": connection closed");
        }
    }

    @Test
    void parallelTestClassesGetClustersOfTheirOwn() {
        bothStarted = new CountDownLatch(2);
        TestExecutionSummary summary = run(Map.of("junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.classes.default", "concurrent",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "2"),
                ParallelOne.class, ParallelTwo.class);
        summary.getFailures().forEach(f -> f.getException().printStackTrace());
        assertEquals(2, summary.getTestsSucceededCount());
        FlotillaCluster one = clusters.get("one");
        FlotillaCluster two = clusters.get("two");
        assertNotEquals(one.jdbcUrl(), two.jdbcUrl());
        assertNotEquals(one.dataDirectory(), two.dataDirectory());
        assertFalse(Files.exists(one.dataDirectory()));
        assertFalse(Files.exists(two.dataDirectory()));
    }

    private static TestExecutionSummary run(Map<String, String> configuration, Class<?>... classes) {
        LauncherDiscoveryRequest request = request()
                .selectors(Arrays.stream(classes).map(DiscoverySelectors::selectClass).toList())
                .configurationParameters(configuration).build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        Launcher launcher = LauncherFactory.create();
        running = true;
        try {
            launcher.execute(request, listener);
        } finally {
            running = false;
        }
        return listener.getSummary();
    }

    private static boolean isClosed(Connection c) {
        try {
            return c.isClosed();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @FlotillaTest(nodes = 1)
    static class FailingPerClass {
        @Test
        void fails(FlotillaCluster cluster, Connection c) {
            assumeTrue(running, "run by FlotillaExtensionLifecycleTest only");
            clusters.put("per class", cluster);
            connections.put("per class", c);
            throw new AssertionError("failing on purpose");
        }
    }

    @FlotillaTest(nodes = 1, perMethod = true)
    static class FailingPerMethod {
        @FromCluster
        Connection c;

        @Test
        void fails(FlotillaCluster cluster) {
            assumeTrue(running, "run by FlotillaExtensionLifecycleTest only");
            clusters.put("per method", cluster);
            connections.put("per method", c);
            throw new AssertionError("failing on purpose");
        }
    }

    @FlotillaTest(nodes = 3)
    static class ParallelOne {
        @Test
        void writes(FlotillaCluster cluster, Connection c) throws Exception {
            assumeTrue(running, "run by FlotillaExtensionLifecycleTest only");
            writeWhileTheOtherRuns("one", cluster, c);
        }
    }

    @FlotillaTest(nodes = 3, learners = 1)
    static class ParallelTwo {
        @Test
        void writes(FlotillaCluster cluster, Connection c) throws Exception {
            assumeTrue(running, "run by FlotillaExtensionLifecycleTest only");
            assertEquals(Set.of(1L, 2L, 3L, 4L), cluster.runningNodes(), "three voters and a learner");
            writeWhileTheOtherRuns("two", cluster, c);
        }
    }

    /** Both clusters are up at once: each class waits until the other has its cluster. */
    private static void writeWhileTheOtherRuns(String name, FlotillaCluster cluster, Connection c) throws Exception {
        clusters.put(name, cluster);
        bothStarted.countDown();
        assertTrue(bothStarted.await(60, TimeUnit.SECONDS), "the other class ran at the same time");
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY)");
            s.execute("INSERT INTO T VALUES (1)");
        }
    }
}
