package io.flotilla.statemachine.changes;

import org.h2.table.Table;

/** Schemas and object names that belong to Flotilla or H2 rather than to the user. */
final class ReservedNames {

    /** The schema in which Flotilla keeps its own bookkeeping tables; never captured. */
    static final String FLOTILLA_SCHEMA = "FLOTILLA";

    static final String INFORMATION_SCHEMA = "INFORMATION_SCHEMA";

    /** Prefix of the capture triggers' names; users must not name their own triggers so. */
    static final String CAPTURE_TRIGGER_PREFIX = "FLOTILLA_CAPTURE_";

    private ReservedNames() {
    }

    static boolean isUserSchema(String schema) {
        return !FLOTILLA_SCHEMA.equals(schema) && !INFORMATION_SCHEMA.equals(schema);
    }

    static String qualified(Table table) {
        return table.getSchema().getName() + "." + table.getName();
    }
}
