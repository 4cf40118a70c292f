package io.flotilla.jdbc;

import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.protocol.wire.SqlStates;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * A parsed {@code jdbc:flotilla://host1:port1,host2:port2[/db][?key=value&...]} URL, with
 * {@link Properties} overriding the URL's options.
 */
record DriverConfig(List<HostAddress> hosts, String database, ConsistencySetting consistency,
                    int connectTimeoutMillis, int socketTimeoutMillis, int linkTimeoutMillis, int fetchSize,
                    boolean readOnly,
                    long failoverTimeoutMillis, boolean productH2, int lsnWaitMillis) {

    static final String PREFIX = "jdbc:flotilla://";

    /** Every option with its default and what it does; also the source of getPropertyInfo. */
    enum Option {
        CONSISTENCY("consistency", "linearizable",
                "read consistency: linearizable, session, stale, bounded:<millis> or lsn:<token>"),
        LSN_WAIT("lsnWait", "500", "milliseconds a replica that has not yet applied a session or lsn read's LSN may "
                + "wait for it before the read goes to the leader"),
        CONNECT_TIMEOUT("connectTimeout", "2000", "milliseconds to wait for a node's TCP connection and its answer "
                + "to the handshake"),
        SOCKET_TIMEOUT("socketTimeout", "0", "network timeout in milliseconds for every answer (0 = none)"),
        LINK_TIMEOUT("linkTimeout", "0", "milliseconds a node may send nothing, not even an answer to a keep-alive, "
                + "before its link counts as dead and the request goes elsewhere (0 = the node's figure, its "
                + "election timeout)"),
        FETCH_SIZE("fetchSize", "1000", "rows per page of a result set"),
        READ_ONLY("readOnly", "false", "open the connection read-only"),
        FAILOVER_TIMEOUT("failoverTimeout", "30000",
                "milliseconds a statement outside a transaction keeps retrying other nodes after a failure"),
        PRODUCT_NAME("productName", "Flotilla", "the product DatabaseMetaData names: Flotilla, or H2 (with H2's "
                + "version) for tools that pick their SQL dialect by product name, such as Flyway or Liquibase");

        final String key;
        final String defaultValue;
        final String description;

        Option(String key, String defaultValue, String description) {
            this.key = key;
            this.defaultValue = defaultValue;
            this.description = description;
        }

        static Option byKey(String key) {
            for (Option o : values()) {
                if (o.key.equalsIgnoreCase(key)) {
                    return o;
                }
            }
            return null;
        }
    }

    static boolean accepts(String url) {
        return url != null && url.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    static DriverConfig parse(String url, Properties info) throws SQLException {
        if (!accepts(url)) {
            throw new SQLException("not a Flotilla URL: " + url, "08001");
        }
        String rest = url.substring(PREFIX.length());
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String database = "";
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            database = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
        }
        List<HostAddress> hosts = new ArrayList<>();
        for (String part : rest.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            try {
                HostAddress h = HostAddress.parse(part);
                if (!hosts.contains(h)) {
                    hosts.add(h);
                }
            } catch (IllegalArgumentException e) {
                throw new SQLException("bad host in URL " + url + ": " + e.getMessage(), "08001", e);
            }
        }
        if (hosts.isEmpty()) {
            throw new SQLException("no host in URL " + url, "08001");
        }
        Map<Option, String> values = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "true" : decode(pair.substring(eq + 1));
            Option option = Option.byKey(key);
            if (option == null) {
                if (isIgnoredCredential(key)) {
                    continue;
                }
                // A typo in a URL option must not silently fall back to a weaker default.
                throw new SQLException("unknown option '" + key + "' in URL " + url, SqlStates.INVALID_PARAMETER_VALUE);
            }
            values.put(option, value);
        }
        if (info != null) {
            // Tools pass their own keys (user, password, ...) in Properties: only ours are read.
            for (String key : info.stringPropertyNames()) {
                Option option = Option.byKey(key);
                if (option != null) {
                    values.put(option, info.getProperty(key));
                }
            }
        }
        return new DriverConfig(List.copyOf(hosts), database,
                ConsistencySetting.parse(value(values, Option.CONSISTENCY)),
                intValue(values, Option.CONNECT_TIMEOUT, 0),
                intValue(values, Option.SOCKET_TIMEOUT, 0),
                intValue(values, Option.LINK_TIMEOUT, 0),
                intValue(values, Option.FETCH_SIZE, 1),
                boolValue(values, Option.READ_ONLY),
                intValue(values, Option.FAILOVER_TIMEOUT, 0),
                productIsH2(values),
                intValue(values, Option.LSN_WAIT, 0));
    }

    private static boolean productIsH2(Map<Option, String> values) throws SQLException {
        String v = value(values, Option.PRODUCT_NAME).trim();
        if (v.equalsIgnoreCase("H2")) {
            return true;
        }
        if (v.equalsIgnoreCase("Flotilla")) {
            return false;
        }
        throw new SQLException("option " + Option.PRODUCT_NAME.key + " must be Flotilla or H2, got '" + v + "'",
                SqlStates.INVALID_PARAMETER_VALUE);
    }

    /** Flotilla has no authentication yet; user and password are accepted so tools keep working. */
    private static boolean isIgnoredCredential(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.equals("user") || k.equals("password");
    }

    static String value(Map<Option, String> values, Option option) {
        return values.getOrDefault(option, option.defaultValue);
    }

    private static int intValue(Map<Option, String> values, Option option, int min) throws SQLException {
        String v = value(values, option);
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new SQLException("option " + option.key + " must be an integer >= " + min + ", got '" + v + "'",
                SqlStates.INVALID_PARAMETER_VALUE);
    }

    private static boolean boolValue(Map<Option, String> values, Option option) throws SQLException {
        String v = value(values, option).trim();
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        throw new SQLException("option " + option.key + " must be true or false, got '" + v + "'",
                SqlStates.INVALID_PARAMETER_VALUE);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
