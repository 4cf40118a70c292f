package io.flotilla.bench.statemachine;

import java.math.BigDecimal;
import java.sql.Timestamp;

/**
 * One row of the benchmarks' {@code ORDERS} table. Values follow from the id, so the leader, the
 * follower's baseline and every run write the same rows.
 */
record Order(long id, String name, BigDecimal amount, Timestamp created) {

    /** 2024-01-01T00:00:00Z: orders are spread over the following days, one second apart. */
    private static final long EPOCH_MILLIS = 1_704_067_200_000L;

    static Order of(long id) {
        return new Order(id, "customer-" + (id % 100_000), BigDecimal.valueOf(id % 10_000_000, 2),
                new Timestamp(EPOCH_MILLIS + id * 1000));
    }
}
