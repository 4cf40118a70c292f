package io.flotilla.sql.server;

import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.RangeDescriptor;
import io.flotilla.statemachine.range.TableName;
import org.h2.tools.SimpleResultSet;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Map;
import java.util.SortedSet;

/**
 * SQL views of what the meta range records: {@code FLOTILLA.RANGE_DESCRIPTORS} (per range: role,
 * key span, generation, members as last recorded, and the log indexes they were recorded as of)
 * and {@code FLOTILLA.CATALOG} (which range holds each user table). Answered from the replica of
 * the meta range on the node that serves the query, so they may lag the ranges: the meta range's
 * leader brings them up to date shortly after a membership change or DDL commits. A node that
 * joined holds no replica of the meta range and shows them empty.
 *
 * <p>Installed with {@link SystemViews}, in every replica's {@code FLOTILLA} schema, which client
 * SQL may not write.
 */
public final class MetaViews {

    private MetaViews() {
    }

    static void create(Statement s) throws SQLException {
        String cls = MetaViews.class.getName();
        s.execute("CREATE ALIAS IF NOT EXISTS FLOTILLA.RANGE_DESCRIPTOR_ROWS FOR '" + cls + ".descriptors'");
        s.execute("CREATE ALIAS IF NOT EXISTS FLOTILLA.CATALOG_ROWS FOR '" + cls + ".catalog'");
        s.execute("CREATE VIEW IF NOT EXISTS FLOTILLA.RANGE_DESCRIPTORS AS SELECT * FROM FLOTILLA.RANGE_DESCRIPTOR_ROWS()");
        s.execute("CREATE VIEW IF NOT EXISTS FLOTILLA.CATALOG AS SELECT * FROM FLOTILLA.CATALOG_ROWS()");
    }

    /** Table function behind FLOTILLA.RANGE_DESCRIPTORS. */
    public static ResultSet descriptors(Connection connection) throws SQLException {
        SimpleResultSet rs = new SimpleResultSet();
        rs.addColumn("RANGE_ID", Types.BIGINT, 19, 0);
        rs.addColumn("NAME", Types.VARCHAR, 20, 0);
        rs.addColumn("START_KEY", Types.VARBINARY, 4096, 0);
        rs.addColumn("END_KEY", Types.VARBINARY, 4096, 0);
        rs.addColumn("GENERATION", Types.BIGINT, 19, 0);
        rs.addColumn("VOTERS", Types.VARCHAR, 4096, 0);
        rs.addColumn("LEARNERS", Types.VARCHAR, 4096, 0);
        rs.addColumn("MEMBERSHIP_INDEX", Types.BIGINT, 19, 0);
        rs.addColumn("SCHEMA_INDEX", Types.BIGINT, 19, 0);
        if (SystemViews.isMetadataQuery(connection)) {
            return rs;
        }
        for (RangeDescriptor d : SystemViews.owner(connection).rangeDescriptors().entries().values()) {
            rs.addRow(d.range(), d.name(), d.span().start().toByteArray(),
                    d.span().end() == null ? null : d.span().end().toByteArray(), d.generation(), join(d.voters()),
                    join(d.learners()), d.membershipIndex(), d.schemaIndex());
        }
        return rs;
    }

    /** Table function behind FLOTILLA.CATALOG. */
    public static ResultSet catalog(Connection connection) throws SQLException {
        SimpleResultSet rs = new SimpleResultSet();
        rs.addColumn("TABLE_SCHEMA", Types.VARCHAR, 1000, 0);
        rs.addColumn("TABLE_NAME", Types.VARCHAR, 1000, 0);
        rs.addColumn("RANGE_ID", Types.BIGINT, 19, 0);
        if (SystemViews.isMetadataQuery(connection)) {
            return rs;
        }
        Node node = SystemViews.owner(connection);
        for (Map.Entry<TableName, Long> e : node.catalog().entries().entrySet()) {
            rs.addRow(e.getKey().schema(), e.getKey().table(), e.getValue());
        }
        return rs;
    }

    private static String join(SortedSet<Long> ids) {
        return String.join(",", ids.stream().map(String::valueOf).toList());
    }
}
