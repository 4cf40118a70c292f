package io.flotilla.raft.sim;

/**
 * One client operation as the client saw it. Output is known only when {@code status} is OK; an
 * operation whose answer never came is UNKNOWN (it may or may not have taken effect); FAILED ones
 * were refused and certainly had no effect.
 */
final class ClientOp {

    enum Kind { GET, PUT, CAS }

    enum Status { PENDING, OK, FAILED, UNKNOWN }

    final int client;
    final long id;
    final Kind kind;
    final String key;
    final long expected;
    final long value;
    final long invokedAt;
    long returnedAt = Long.MAX_VALUE;
    Status status = Status.PENDING;
    /** GET: the value read; CAS: 1 if it succeeded. */
    long output;

    ClientOp(int client, long id, Kind kind, String key, long expected, long value, long invokedAt) {
        this.client = client;
        this.id = id;
        this.kind = kind;
        this.key = key;
        this.expected = expected;
        this.value = value;
        this.invokedAt = invokedAt;
    }

    KvCommand command() {
        return new KvCommand(kind == Kind.CAS, key, expected, value);
    }

    @Override
    public String toString() {
        return "c" + client + " " + kind + " " + key + (kind == Kind.CAS ? " " + expected + "->" + value
                : kind == Kind.PUT ? " =" + value : "") + " " + status + (status == Status.OK ? " " + output : "")
                + " [" + invokedAt + ", " + (returnedAt == Long.MAX_VALUE ? "inf" : returnedAt) + "]";
    }
}
