package io.flotilla.sql.network;

import io.flotilla.sql.nemesis.RunClock;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code iptables} program that {@link PacketFilter} runs inside the node namespaces: found,
 * or installed with apt-get when missing (only as root, and only where apt-get exists), and tried
 * in a namespace before any scenario relies on it.
 */
final class Iptables {

    private static final Duration INSTALL_DEADLINE = Duration.ofMinutes(5);
    private static final Map<String, String> NONINTERACTIVE = Map.of("DEBIAN_FRONTEND", "noninteractive");

    private Iptables() {
    }

    /** Why packet filtering cannot be used in the hosts' namespaces, or empty if it can. */
    static Optional<String> unusable(NetworkHosts hosts, RunClock clock) {
        if (!Command.of("iptables", "--version").run().ok()) {
            Optional<String> notInstalled = install(clock);
            if (notInstalled.isPresent()) {
                return notInstalled;
            }
        }
        long node = hosts.nodes().get(0);
        Command.Result list = hosts.inNamespace(node, "iptables", "-w", "5", "-S").run();
        if (!list.ok()) {
            return Optional.of("iptables does not work inside a network namespace: " + list.output().strip());
        }
        return Optional.empty();
    }

    private static Optional<String> install(RunClock clock) {
        Command.Result uid = Command.of("id", "-u").run();
        if (!uid.ok() || !uid.output().strip().equals("0")) {
            return Optional.of("iptables is not installed, and installing it needs root");
        }
        if (!Command.of("apt-get", "--version").run().ok()) {
            return Optional.of("iptables is not installed, and there is no apt-get to install it with");
        }
        clock.log("iptables is not installed: apt-get install -y iptables");
        Command.Result first = Command.of("apt-get", "install", "-y", "iptables").run(INSTALL_DEADLINE, NONINTERACTIVE);
        if (!first.ok()) {
            // Most often the package lists are missing or stale: fetch them once and try again.
            clock.log("apt-get install failed (exit " + first.exitCode() + "); apt-get update, then again");
            Command.Result update = Command.of("apt-get", "update").run(INSTALL_DEADLINE, NONINTERACTIVE);
            Command.Result second = Command.of("apt-get", "install", "-y", "iptables").run(INSTALL_DEADLINE, NONINTERACTIVE);
            if (!second.ok()) {
                return Optional.of("iptables is not installed and apt-get could not install it (update exit "
                        + update.exitCode() + "): " + tail(second.output()));
            }
        }
        if (!Command.of("iptables", "--version").run().ok()) {
            return Optional.of("apt-get installed iptables, but `iptables --version` still fails");
        }
        clock.log("iptables installed");
        return Optional.empty();
    }

    private static String tail(String output) {
        String s = output.strip();
        return s.length() > 600 ? "..." + s.substring(s.length() - 600) : s;
    }
}
