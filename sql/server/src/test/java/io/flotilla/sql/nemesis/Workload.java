package io.flotilla.sql.nemesis;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** A workload: its tables, its client threads, and what must hold of the data once they stopped. */
interface Workload {

    String name();

    /** Creates and fills the workload's tables, before any client starts. */
    void createSchema(Connection c) throws SQLException;

    List<? extends WorkloadClient> clients();

    /**
     * Checks the final state and the recorded histories, called after every client stopped; returns
     * every anomaly of the workload, those its clients saw while running included.
     */
    List<Anomaly> verify(Connection c) throws SQLException;

    /** What the report should show next to the anomalies to explain them (the operations involved). */
    default List<String> evidence() {
        return List.of();
    }

    /** One line on what was checked and found, for the report. */
    String verdict();
}
