package io.flotilla.sql.network;

import io.flotilla.sql.nemesis.RunClock;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cuts finer than a whole node: iptables DROP rules inside the node namespaces, for one pair of
 * hosts, one direction, or between the client host and a node. Rules live only in the nodes'
 * namespaces, never in the root one (the test JVM's), so a run changes nothing of the machine's
 * own filtering. Packets are dropped where they arrive (INPUT): the sender sees silence, as on a
 * real network; a DROP in OUTPUT would instead fail the sender's own writes with an error.
 */
public final class PacketFilter {

    private final NetworkHosts hosts;
    private final RunClock clock;
    private final Set<Long> filtered = ConcurrentHashMap.newKeySet();

    PacketFilter(NetworkHosts hosts, RunClock clock) {
        this.hosts = hosts;
        this.clock = clock;
    }

    /** Nothing passes between the two nodes, either way. */
    public void isolate(long a, long b) {
        drop(a, "INPUT", "-s", hosts.address(b));
        drop(b, "INPUT", "-s", hosts.address(a));
        clock.log("nodes " + a + " and " + b + " cut from each other");
    }

    /** The node receives nothing from anyone (peers or clients) but still sends: a one-way cut. */
    public void deafen(long node) {
        drop(node, "INPUT", "-i", "eth0");
        clock.log("node " + node + " receives nothing (it still sends)");
    }

    /**
     * Nothing passes between the client host and the node, either way. Both rules sit in the
     * node's namespace: what the client sends is dropped on arrival; what the node would send
     * back is dropped on its way out, which the node never notices, since it opens no connection
     * to the client and its sockets only retransmit.
     */
    public void cutClient(long node) {
        drop(node, "INPUT", "-s", hosts.clientAddress());
        drop(node, "OUTPUT", "-d", hosts.clientAddress());
        clock.log("client host cut from node " + node);
    }

    /** Removes every rule. */
    public void clear() {
        for (long node : filtered) {
            hosts.inNamespace(node, "iptables", "-w", "5", "-F").runOrFail();
            filtered.remove(node);
        }
        clock.log("packet filters cleared");
    }

    public boolean active() {
        return !filtered.isEmpty();
    }

    private void drop(long node, String chain, String... match) {
        String[] argv = new String[7 + match.length];
        argv[0] = "iptables";
        argv[1] = "-w";
        argv[2] = "5";
        argv[3] = "-A";
        argv[4] = chain;
        System.arraycopy(match, 0, argv, 5, match.length);
        argv[5 + match.length] = "-j";
        argv[6 + match.length] = "DROP";
        filtered.add(node);   // before the rule: clear() must flush a namespace even if this fails half-way
        hosts.inNamespace(node, argv).runOrFail();
    }
}
