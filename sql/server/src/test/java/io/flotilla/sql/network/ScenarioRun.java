package io.flotilla.sql.network;

import io.flotilla.sql.nemesis.Anomaly;
import io.flotilla.sql.nemesis.LeaderMonitor;
import io.flotilla.sql.nemesis.Outcome;
import io.flotilla.sql.nemesis.Phase;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What one scenario's run came to: its cuts, the phases they open (the baseline first, each cut's
 * phase lasting until the next cut or the end), every operation of every workload, and what the
 * checks found.
 *
 * @param leadership what each node said of itself for the data range, as seen from the client host: its
 *                  changes, in time order
 * @param checks    one line per check: each workload's verdict, the replicas' convergence
 * @param problems  what went wrong besides anomalies: the cluster did not settle or recover, a
 *                  client crashed, a check could not run
 * @param timeline  the per-second timeline of the run, Markdown
 * @param errors    the SQLStates of the operations that did not succeed, Markdown
 * @param machine   CPUs and load, which the figures depend on
 */
record ScenarioRun(NetworkNemesis.Fault fault, long seed, List<NetworkNemesis.Cut> cuts, List<Phase> phases,
                   List<String> workloads, Map<String, List<Outcome>> outcomes, List<Anomaly> anomalies,
                   List<LeaderMonitor.Change> leadership, List<String> problems, List<String> checks, String timeline, String errors, String machine, Path logs) {
}
