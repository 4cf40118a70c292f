package io.flotilla.testing;

import io.flotilla.jdbc.FlotillaDataSource;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.ModifierSupport;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * The JUnit 5 extension behind {@link FlotillaTest}: starts a {@link FlotillaCluster} and hands
 * it, its {@link DataSource} and {@link Connection}s to the test.
 *
 * <ul>
 *   <li><b>One cluster per class</b> (the default): started the first time something of the class
 *       needs it (a {@code @BeforeAll} parameter, a static {@link FromCluster} field, the first
 *       test), kept in the class's {@link ExtensionContext.Store}, and closed (its nodes stopped,
 *       its data deleted) when the class is done, after its {@code @AfterAll} methods, whether its
 *       tests passed or failed. Faults a test leaves behind (a killed node, a partition) reach
 *       the tests after it: heal and restart in {@code @AfterEach}, or use one cluster per method.
 *       A {@code @Nested} class shares the cluster of the class it is nested in, unless it is
 *       annotated {@link FlotillaTest} itself.
 *   <li><b>One cluster per method</b> ({@code perMethod = true}): started before each test's
 *       {@code @BeforeEach} methods, closed after its {@code @AfterEach} methods. There is no
 *       cluster for {@code @BeforeAll} methods, static fields or constructors then.
 *   <li><b>Parameters</b> of test methods, lifecycle methods and (one cluster per class only)
 *       constructors: {@link FlotillaCluster}, {@link DataSource} (or {@link FlotillaDataSource}),
 *       {@link Connection}: a new connection on the cluster's URL, closed when the scope it was
 *       asked for in ends (the test method, or the class for a {@code @BeforeAll} method).
 *   <li><b>Fields</b>: those annotated {@link FromCluster}, set before each test (static ones
 *       before {@code @BeforeAll}); a {@link Connection} field gets a new connection for each test,
 *       closed after it.
 * </ul>
 *
 * <p>Each cluster has its own ports (chosen by the kernel, or found free and retried if another
 * process takes them first) and its own temporary directory, so test classes may run in parallel.
 */
public final class FlotillaExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(FlotillaExtension.class);

    /** The cluster, as its context's store holds it: the store closes it when the context ends. */
    private record ClusterResource(FlotillaCluster cluster) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            cluster.close();
        }
    }

    /** A connection handed to the test, closed when the context it was handed out in ends. */
    private record ConnectionResource(Connection connection) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Class<?> testClass = context.getRequiredTestClass();
        List<Field> fields = AnnotationSupport.findAnnotatedFields(testClass, FromCluster.class, ModifierSupport::isStatic);
        for (Field field : fields) {
            if (settings(annotatedClass(context)).perMethod()) {
                throw new ExtensionConfigurationException("static field " + field + " cannot have a cluster:"
                        + " with perMethod = true each test method has its own");
            }
            if (field.getType() == Connection.class) {
                throw new ExtensionConfigurationException("static field " + field + ": connections are handed out"
                        + " per test; make the field an instance field, or take the DataSource");
            }
            set(field, null, resolve(field.getType(), field.toString(), context));
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            for (Field field : AnnotationSupport.findAnnotatedFields(instance.getClass(), FromCluster.class,
                    ModifierSupport::isNotStatic)) {
                set(field, instance, resolve(field.getType(), field.toString(), context));
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return injectable(parameter.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        try {
            return resolve(parameter.getParameter().getType(), parameter.getParameter().toString(), context);
        } catch (SQLException e) {
            throw new ParameterResolutionException("could not connect to the cluster for " + parameter.getParameter(), e);
        }
    }

    private static boolean injectable(Class<?> type) {
        return type == FlotillaCluster.class || type == DataSource.class || type == FlotillaDataSource.class
                || type == Connection.class;
    }

    private static Object resolve(Class<?> type, String target, ExtensionContext context) throws SQLException {
        if (!injectable(type)) {
            throw new ExtensionConfigurationException(target + " is annotated @FromCluster but is a " + type.getName()
                    + ", not a FlotillaCluster, DataSource or Connection");
        }
        FlotillaCluster cluster = cluster(context);
        if (type == FlotillaCluster.class) {
            return cluster;
        }
        if (type == Connection.class) {
            Connection c = cluster.connection();
            // A key of its own: every connection handed out in this context is closed with it.
            context.getStore(NAMESPACE).put(new Object(), new ConnectionResource(c));
            return c;
        }
        return cluster.dataSource();
    }

    /** The cluster of the scope the class asks for, started on first use. */
    private static FlotillaCluster cluster(ExtensionContext context) {
        ExtensionContext annotated = annotatedClass(context);
        FlotillaTest settings = settings(annotated);
        ExtensionContext scope = annotated;
        if (settings.perMethod()) {
            if (context.getTestMethod().isEmpty()) {
                throw new ExtensionConfigurationException("with perMethod = true there is a cluster per test method"
                        + " only; " + context.getDisplayName() + " asked for one outside a test method");
            }
            scope = context;
        }
        return scope.getStore(NAMESPACE)
                .getOrComputeIfAbsent(ClusterResource.class, k -> new ClusterResource(start(settings)), ClusterResource.class)
                .cluster();
    }

    /**
     * The context of the nearest class annotated {@link FlotillaTest} (itself or through a
     * superclass): the test's own class, or, for a {@code @Nested} class without the annotation,
     * the class it is nested in, whose cluster it then shares.
     */
    private static ExtensionContext annotatedClass(ExtensionContext context) {
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            ExtensionContext candidate = c.get();
            if (candidate.getTestMethod().isEmpty() && candidate.getTestClass()
                    .flatMap(type -> AnnotationSupport.findAnnotation(type, FlotillaTest.class)).isPresent()) {
                return candidate;
            }
        }
        throw new ExtensionConfigurationException(context.getDisplayName()
                + " uses FlotillaExtension without @FlotillaTest: annotate the test class with @FlotillaTest");
    }

    private static FlotillaTest settings(ExtensionContext annotated) {
        return AnnotationSupport.findAnnotation(annotated.getRequiredTestClass(), FlotillaTest.class).orElseThrow();
    }

    private static FlotillaCluster start(FlotillaTest settings) {
        FlotillaCluster.Builder builder = FlotillaCluster.builder().nodes(settings.nodes()).learners(settings.learners())
                .electionTimeout(Duration.ofMillis(settings.electionTimeoutMillis()));
        for (String setting : settings.nodeSettings()) {
            int equals = setting.indexOf('=');
            if (equals <= 0) {
                throw new ExtensionConfigurationException("@FlotillaTest(nodeSettings): '" + setting
                        + "' is not name=value (such as idle-in-transaction-timeout-ms=5000)");
            }
            builder.nodeSetting(setting.substring(0, equals).trim(), setting.substring(equals + 1).trim());
        }
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("the Flotilla cluster did not start", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the Flotilla cluster did not start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the Flotilla cluster started", e);
        }
    }

    private static void set(Field field, Object instance, Object value) throws IllegalAccessException {
        field.setAccessible(true);
        field.set(instance, value);
    }
}
