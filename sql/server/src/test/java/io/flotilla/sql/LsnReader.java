package io.flotilla.sql;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * The other process of {@link LsnTokenTest}: connects to the URL with the given consistency
 * (an {@code lsn:<token>} handed over on its command line, or {@code stale}), counts the rows of
 * {@code NOTES} and prints the count.
 */
public final class LsnReader {

    private LsnReader() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0] + "?consistency=" + args[1] + "&lsnWait=" + args[2];
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*) FROM NOTES")) {
            r.next();
            System.out.println("rows=" + r.getLong(1));
        }
    }
}
