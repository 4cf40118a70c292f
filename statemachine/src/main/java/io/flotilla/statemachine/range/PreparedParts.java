package io.flotilla.statemachine.range;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.flotilla.statemachine.wire.ChangeSet;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code FLOTILLA.PREPARED}: the parts of transactions across ranges this range has prepared and
 * not yet resolved (docs/ranges.md, "Cross-range transactions"). Every replica writes a part's
 * change set here when its {@code Prepare} applies, and writes it into the tables (or drops it)
 * when its {@code Resolve} does; so a new leader knows which rows it must lock again before it
 * serves, and a replica that joins later gets them with the range's image.
 */
public final class PreparedParts {

    /** One prepared part: the transaction, where its record is, its rows, and when it was proposed (the leader's clock). */
    public record Part(ByteString txn, long recordRange, ChangeSet changes, long preparedAtMillis) {
    }

    private PreparedParts() {
    }

    static void ensure(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS FLOTILLA.PREPARED(TXN VARBINARY(16) PRIMARY KEY, "
                    + "RECORD_RANGE BIGINT NOT NULL, CHANGES VARBINARY NOT NULL, PREPARED_AT_MILLIS BIGINT NOT NULL)");
        }
    }

    static void add(Connection apply, Part part) throws SQLException {
        try (PreparedStatement ps = apply.prepareStatement(
                "INSERT INTO FLOTILLA.PREPARED(TXN, RECORD_RANGE, CHANGES, PREPARED_AT_MILLIS) VALUES (?, ?, ?, ?)")) {
            ps.setBytes(1, part.txn().toByteArray());
            ps.setLong(2, part.recordRange());
            ps.setBytes(3, part.changes().toByteArray());
            ps.setLong(4, part.preparedAtMillis());
            ps.executeUpdate();
        }
    }

    static Optional<Part> find(Connection connection, ByteString txn) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT TXN, RECORD_RANGE, CHANGES, PREPARED_AT_MILLIS FROM FLOTILLA.PREPARED WHERE TXN = ?")) {
            ps.setBytes(1, txn.toByteArray());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(part(rs)) : Optional.empty();
            }
        }
    }

    static void remove(Connection apply, ByteString txn) throws SQLException {
        try (PreparedStatement ps = apply.prepareStatement("DELETE FROM FLOTILLA.PREPARED WHERE TXN = ?")) {
            ps.setBytes(1, txn.toByteArray());
            ps.executeUpdate();
        }
    }

    /** Every prepared part, in the order of their ids (the same on every replica). */
    public static List<Part> all(Connection connection) throws SQLException {
        List<Part> parts = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery(
                     "SELECT TXN, RECORD_RANGE, CHANGES, PREPARED_AT_MILLIS FROM FLOTILLA.PREPARED ORDER BY TXN")) {
            while (rs.next()) {
                parts.add(part(rs));
            }
        }
        return parts;
    }

    /** The transactions with a prepared part here, in id order, with their record ranges. */
    static List<CutPosition.Prepared> transactions(Connection connection) throws SQLException {
        List<CutPosition.Prepared> txns = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT TXN, RECORD_RANGE FROM FLOTILLA.PREPARED ORDER BY TXN")) {
            while (rs.next()) {
                txns.add(new CutPosition.Prepared(ByteString.copyFrom(rs.getBytes(1)), rs.getLong(2)));
            }
        }
        return txns;
    }

    static boolean any(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1 FROM FLOTILLA.PREPARED LIMIT 1")) {
            return rs.next();
        }
    }

    private static Part part(ResultSet rs) throws SQLException {
        try {
            return new Part(ByteString.copyFrom(rs.getBytes(1)), rs.getLong(2), ChangeSet.parseFrom(rs.getBytes(3)),
                    rs.getLong(4));
        } catch (InvalidProtocolBufferException e) {
            throw new SQLException("FLOTILLA.PREPARED holds an unreadable change set", "XX001", e);
        }
    }
}
