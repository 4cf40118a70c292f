package io.flotilla.statemachine.store;

/** The points of an install between which a crash leaves a different set of files behind. */
enum InstallStage {
    /** The first rows are in the new database; the old one is live. */
    LOADING,
    /** The new database holds the whole, verified image but may not be on disk yet. */
    LOADED,
    /** The new database is durable; the old one is still live. */
    SYNCED,
    /** The old database is closed; {@code CURRENT} still names it. */
    OLD_CLOSED,
    /** {@code CURRENT.tmp} names the new database; {@code CURRENT} still names the old. */
    SWITCH_PREPARED,
    /** {@code CURRENT} names the new database; the old directory still exists. */
    SWITCHED,
    /** The new database is open; the old directory still exists. */
    REOPENED
}
