package io.flotilla.sql.network;

import io.flotilla.sql.nemesis.Anomaly;
import io.flotilla.sql.nemesis.RunClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 18, real networks: three node processes on three network hosts (Linux network
 * namespaces on a bridge, {@link NetworkHosts}), this JVM the client host, while the nemesis's
 * workloads run (acknowledged inserts, bank transfers with audits, registers checked for
 * linearizability) and the network is cut in six ways, each a scenario with a fresh cluster.
 * Each scenario measures, per cut, the time from the cut to the first acknowledged write and the
 * longest gap without one, and fails on any anomaly, on any problem of the run, and when it
 * misses its availability target ({@link AvailabilityTargets}) when asked to enforce it.
 *
 * <p>Run with {@code mvn -B -ntp verify -Pnetwork} (root needed; skipped otherwise). Properties:
 * {@code -Dflotilla.network.cuts=N} cuts per scenario (default 3; the figures take 20),
 * {@code -Dflotilla.network.seed=N} repeats the random choices, and
 * {@code -Dflotilla.network.targets=enforce} fails the run on a missed availability target too
 * (by default they are reported; anomalies and problems always fail). The report goes to {@code target/network-report.md}, the
 * node logs and every operation to {@code target/network-logs/<scenario>}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PartitionNetworkTest {

    /**
     * The clients' driver options. Unlike the nemesis's, no socketTimeout: noticing a silent link
     * is the driver's job, and a network timeout would hide whether it does. The failover timeout
     * is shorter than a cut, so that a client with the minority must give up while the cut lasts.
     */
    static final String CLIENT_OPTIONS = "connectTimeout=1000&failoverTimeout=5000";
    static final Duration FAILOVER_TIMEOUT = Duration.ofMillis(5000);
    private static final List<Long> NODES = List.of(1L, 2L, 3L);
    private static final Path REPORT = Path.of("target", "network-report.md");
    private static final Path LOGS = Path.of("target", "network-logs");

    private static final int CUTS = Integer.getInteger("flotilla.network.cuts", 2);
    /**
     * The availability targets are measured figures, and this machine is shared: they are reported
     * in every run and fail it only when asked ({@code -Dflotilla.network.targets=enforce}), while
     * anomalies and problems always fail it.
     */
    private static final boolean ENFORCE_TARGETS = "enforce".equals(System.getProperty("flotilla.network.targets"));
    private static final long SEED = Long.getLong("flotilla.network.seed", new SecureRandom().nextLong());
    private static final NetworkReport report = new NetworkReport(CUTS, CLIENT_OPTIONS,
            new AvailabilityTargets(FAILOVER_TIMEOUT));
    private static final RunClock clock = new RunClock("network");

    private static NetworkHosts hosts;
    /** Null where iptables is unusable; the scenarios that need it are then skipped, saying why. */
    private static PacketFilter filter;
    private static String noPacketFilter;
    private static Path nodeJar;

    @BeforeAll
    static void createHosts() throws Exception {
        Optional<String> unavailable = NetworkHosts.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "network tests skipped: " + unavailable.orElseThrow());
        nodeJar = nodeJar();
        hosts = NetworkHosts.create(NODES, clock);
        NetworkCluster.removeLeftoverDirectories(hosts, clock);
        Optional<String> unusable = Iptables.unusable(hosts, clock);
        if (unusable.isEmpty()) {
            filter = new PacketFilter(hosts, clock);
        } else {
            noPacketFilter = unusable.get();
            clock.log("packet filter unusable, scenarios that need it will be skipped: " + noPacketFilter);
        }
    }

    @AfterAll
    static void removeHosts() throws Exception {
        if (hosts != null) {
            hosts.close();
            report.write(REPORT);
            System.out.println("\n" + report.summary() + "\nreport: " + REPORT.toAbsolutePath());
        }
    }

    @Test
    @Order(1)
    void leaderCutOff() throws Exception {
        run(NetworkNemesis.Fault.LEADER_CUT_OFF);
    }

    @Test
    @Order(2)
    void followerCutOff() throws Exception {
        run(NetworkNemesis.Fault.FOLLOWER_CUT_OFF);
    }

    @Test
    @Order(3)
    void clientWithTheMinority() throws Exception {
        run(NetworkNemesis.Fault.CLIENT_WITH_MINORITY);
    }

    @Test
    @Order(4)
    void leaderSendsButReceivesNothing() throws Exception {
        run(NetworkNemesis.Fault.LEADER_DEAF);
    }

    @Test
    @Order(5)
    void leaderLinkFlapping() throws Exception {
        run(NetworkNemesis.Fault.LEADER_FLAPPING);
    }

    @Test
    @Order(6)
    void partitionHealedDuringTheElection() throws Exception {
        run(NetworkNemesis.Fault.HEALED_DURING_ELECTION);
    }

    private static void run(NetworkNemesis.Fault fault) throws Exception {
        if (fault.needsPacketFilter && filter == null) {
            report.skipped(fault, noPacketFilter);
            report.write(REPORT);
            abort(fault.label + " skipped: it needs iptables, and " + noPacketFilter);
        }
        ScenarioRunner runner = new ScenarioRunner(hosts, filter, nodeJar, CLIENT_OPTIONS);
        ScenarioRun run = runner.run(fault, CUTS, SEED + fault.ordinal(), LOGS.resolve(fault.slug).toAbsolutePath(), clock);
        List<String> misses = report.add(run);
        report.write(REPORT);
        System.out.println("\n" + report.summary());

        List<String> failures = new ArrayList<>();
        run.anomalies().stream().map(Anomaly::toString).forEach(a -> failures.add("anomaly: " + a));
        run.problems().forEach(p -> failures.add("problem: " + p));
        if (ENFORCE_TARGETS) {
            misses.forEach(m -> failures.add("availability target missed: " + m));
        }
        if (!failures.isEmpty()) {
            fail(fault.label + ": " + run.anomalies().size() + " anomalies, " + run.problems().size() + " problems, "
                    + misses.size() + " workloads missed the availability target" + (ENFORCE_TARGETS ? ""
                    : " (reported only; -Dflotilla.network.targets=enforce fails on them)") + "; report " + REPORT.toAbsolutePath()
                    + ", logs " + run.logs() + ":\n" + String.join("\n", failures));
        }
    }

    /** Where the node jar is: the package phase of sql/server builds it before the integration tests run. */
    private static Path nodeJar() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path jar = p.resolve("sql/server/target/flotilla-node.jar");
            if (Files.isRegularFile(jar)) {
                return jar;
            }
        }
        throw new IllegalStateException("no sql/server/target/flotilla-node.jar above " + Path.of("").toAbsolutePath()
                + ": run the network tests through `mvn -B -ntp verify -Pnetwork`, whose package phase builds it");
    }
}
