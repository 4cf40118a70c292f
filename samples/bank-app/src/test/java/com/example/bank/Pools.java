package com.example.bank;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** The application's connection pool, configured as it is in production but for the URL. */
final class Pools {

    private Pools() {
    }

    static HikariDataSource of(String jdbcUrl) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(2);
        // Longer than a failover: a connection asked for while the cluster elects a leader waits.
        config.setConnectionTimeout(10_000);
        return new HikariDataSource(config);
    }
}
