package io.flotilla.sql.server;

import io.flotilla.protocol.RowBatch;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * A session's open cursors, numbered for the client's Fetch and CloseCursor requests, and the
 * connection of a follower read while its cursor is open (a follower read runs on a read-only
 * connection of its own, closed with its last cursor). Owns both and closes them.
 */
final class Cursors implements AutoCloseable {

    private final Map<Long, Cursor> open = new HashMap<>();
    private long lastId;
    private Connection followerRead;

    long nextId() {
        return ++lastId;
    }

    void add(Cursor cursor) {
        open.put(cursor.id, cursor);
    }

    /** The cursor's rows are all sent: it is forgotten (its statement stays with whoever released it). */
    void finished(long id) {
        open.remove(id);
    }

    /** Begins a follower read: the cursors from here on read on {@code connection}, which closes with them. */
    void followerRead(Connection connection) {
        followerRead = connection;
    }

    /** Whether the open cursors belong to a follower read (they page without the range session). */
    boolean onFollower() {
        return followerRead != null;
    }

    /**
     * The cursor behind a Fetch.
     *
     * @throws SQLException 24000 when no cursor of that number is open
     */
    Cursor get(long id) throws SQLException {
        Cursor cursor = open.get(id);
        if (cursor == null) {
            throw new SQLException("no open cursor " + id, "24000");
        }
        return cursor;
    }

    /** After a page: a cursor that sent its last row is forgotten, and a follower read ends with its last cursor. */
    void paged(long id, RowBatch.Builder page) throws SQLException {
        if (page.getLast()) {
            open.remove(id);
            if (followerRead != null && open.isEmpty()) {
                close();
            }
        }
    }

    void close(long id) throws SQLException {
        Cursor cursor = open.remove(id);
        if (cursor != null) {
            cursor.close();
        }
        if (followerRead != null && open.isEmpty()) {
            close();
        }
    }

    /** Closes every cursor, and a follower read's connection. */
    @Override
    public void close() throws SQLException {
        for (Cursor c : open.values()) {
            c.close();
        }
        open.clear();
        if (followerRead != null) {
            followerRead.close();
            followerRead = null;
        }
    }
}
