package io.flotilla.raft.log;

/** What a record in a segment says. The code is the byte stored in the frame; never reuse one. */
enum RecordType {
    /** One entry, protobuf-encoded ({@code flotilla.raft.v1.Entry}). */
    ENTRY(1),
    /** Term, vote and commit ({@code flotilla.raft.v1.HardState}). */
    HARD_STATE(2),
    /** A snapshot was installed: the whole log before it is discarded ({@code flotilla.raft.v1.SnapshotMeta}). */
    SNAPSHOT(3),
    /** Entries from an index on are discarded, because entries that follow overwrite them (8 bytes, big-endian). */
    TRUNCATE(4),
    /** Entries up to the snapshot's index are discarded, the rest kept ({@code flotilla.raft.v1.SnapshotMeta}). */
    COMPACT(5);

    final byte code;

    RecordType(int code) {
        this.code = (byte) code;
    }

    /** The type with this code, or null if there is none (the record is damaged). */
    static RecordType of(byte code) {
        for (RecordType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
