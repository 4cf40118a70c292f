package io.flotilla.bench.load;

import java.sql.SQLException;
import java.util.SplittableRandom;

/** One client's prepared statements; {@link #run} is the operation whose latency is measured. */
interface Operation extends AutoCloseable {

    void run(SplittableRandom random) throws SQLException;

    @Override
    void close() throws SQLException;
}
