package io.flotilla.sql.network;

import io.flotilla.sql.nemesis.RunClock;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The harness's own cuts, without nodes: each cuts exactly what it says and nothing else, and
 * closing the hosts leaves no namespace or link behind. A figure measured over a cut that did
 * not cut would prove nothing.
 *
 * <p>Reachability is told by TCP connects to a port nobody listens on: a host that is reachable
 * refuses at once (RST), one that is cut off stays silent until the probe gives up. From the
 * node hosts the probe is bash's {@code /dev/tcp} under {@code timeout}; from the client host
 * (this JVM) a plain socket.
 */
class NetworkHostsNetworkTest {

    private enum Reach { REACHED, SILENT }

    private static final List<Long> NODES = List.of(1L, 2L, 3L);
    /** Nothing listens there: a reachable host answers with a refusal. */
    private static final int CLOSED_PORT = 9;
    private static final int SILENCE_MILLIS = 1500;

    private final RunClock clock = new RunClock("network-hosts");

    @Test
    void eachCutCutsWhatItSaysAndCloseRemovesEverything() throws Exception {
        Optional<String> unavailable = NetworkHosts.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "network tests skipped: " + unavailable.orElseThrow());
        try (NetworkHosts hosts = NetworkHosts.create(NODES, clock); ServerSocket client = new ServerSocket()) {
            client.bind(new InetSocketAddress(hosts.clientAddress(), 0));
            for (long a : NODES) {
                assertEquals(Reach.REACHED, fromClient(hosts, a), "client to node " + a);
                for (long b : NODES) {
                    if (a != b) {
                        assertEquals(Reach.REACHED, between(hosts, a, b), "node " + a + " to node " + b);
                    }
                }
            }

            hosts.unplug(1);
            assertEquals(Reach.SILENT, between(hosts, 1, 2), "unplugged node 1 to node 2");
            assertEquals(Reach.SILENT, between(hosts, 2, 1), "node 2 to unplugged node 1");
            assertEquals(Reach.SILENT, fromClient(hosts, 1), "client to unplugged node 1");
            assertEquals(Reach.REACHED, between(hosts, 2, 3), "node 2 to node 3, node 1 unplugged");
            assertEquals(Reach.REACHED, fromClient(hosts, 3), "client to node 3, node 1 unplugged");
            hosts.plug(1);
            assertEquals(Reach.REACHED, between(hosts, 1, 2), "node 1 plugged in again, to node 2");
            assertEquals(Reach.REACHED, fromClient(hosts, 1), "client to node 1 plugged in again");

            Optional<String> unusable = Iptables.unusable(hosts, clock);
            if (unusable.isPresent()) {
                clock.log("packet filter cuts not checked: " + unusable.get());
            } else {
                PacketFilter filter = new PacketFilter(hosts, clock);
                filter.isolate(1, 2);
                assertEquals(Reach.SILENT, between(hosts, 1, 2), "node 1 to node 2, cut from each other");
                assertEquals(Reach.SILENT, between(hosts, 2, 1), "node 2 to node 1, cut from each other");
                assertEquals(Reach.REACHED, between(hosts, 1, 3), "node 1 to node 3, nodes 1 and 2 cut");
                assertEquals(Reach.REACHED, fromClient(hosts, 1), "client to node 1, nodes 1 and 2 cut");
                filter.clear();
                assertEquals(Reach.REACHED, between(hosts, 1, 2), "node 1 to node 2, filters cleared");

                filter.deafen(1);
                assertEquals(Reach.SILENT, between(hosts, 2, 1), "node 2 to deaf node 1");
                assertEquals(Reach.SILENT, fromClient(hosts, 1), "client to deaf node 1");
                assertEquals(Reach.REACHED, between(hosts, 2, 3), "node 2 to node 3, node 1 deaf");
                filter.clear();

                filter.cutClient(2);
                assertEquals(Reach.SILENT, fromClient(hosts, 2), "client to node 2, cut from the client");
                assertEquals(Reach.SILENT, toClient(hosts, 2, client.getLocalPort()), "node 2 to the client, cut");
                assertEquals(Reach.REACHED, toClient(hosts, 3, client.getLocalPort()), "node 3 to the client");
                assertEquals(Reach.REACHED, between(hosts, 2, 3), "node 2 to node 3, node 2 cut from the client");
                filter.clear();
                assertEquals(Reach.REACHED, fromClient(hosts, 2), "client to node 2, filters cleared");
            }
        }
        assertEquals(List.of(), NetworkHosts.prefixedNamespaces(), "namespaces left after close");
        assertEquals(List.of(), NetworkHosts.prefixedLinks(), "links left after close");
    }

    /** A connect from node {@code from}'s host to node {@code to}'s address. */
    private static Reach between(NetworkHosts hosts, long from, long to) {
        return probeFrom(hosts, from, hosts.address(to), CLOSED_PORT);
    }

    /** A connect from the node's host to the client host, where the test listens. */
    private static Reach toClient(NetworkHosts hosts, long from, int listeningPort) {
        return probeFrom(hosts, from, hosts.clientAddress(), listeningPort);
    }

    private static Reach probeFrom(NetworkHosts hosts, long from, String address, int port) {
        String seconds = String.format("%.1f", SILENCE_MILLIS / 1000.0);
        Command.Result r = hosts.inNamespace(from, "timeout", seconds, "bash", "-c",
                "exec 3<>/dev/tcp/" + address + "/" + port).run();
        if (r.exitCode() == 124 || r.output().contains("No route to host")) {
            return Reach.SILENT;   // timeout's exit code: the connect never completed; or no answer to ARP
        }
        if (r.ok() || r.output().contains("Connection refused")) {
            return Reach.REACHED;
        }
        throw new IllegalStateException("probe from node " + from + " to " + address + ":" + port + ": exit "
                + r.exitCode() + ", " + r.output().strip());
    }

    /** A connect from the client host (this JVM) to the node. */
    private static Reach fromClient(NetworkHosts hosts, long to) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hosts.address(to), CLOSED_PORT), SILENCE_MILLIS);
            return Reach.REACHED;
        } catch (ConnectException e) {
            return Reach.REACHED;   // refused: the host answered
        } catch (SocketTimeoutException | NoRouteToHostException e) {
            return Reach.SILENT;   // no answer, or none to the address lookup (ARP) either
        }
    }
}
