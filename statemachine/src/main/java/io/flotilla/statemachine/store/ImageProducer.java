package io.flotilla.statemachine.store;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes an image of the database, a piece per {@link #step()}, from a session whose MVCC snapshot
 * was fixed when the applied position was read. Writers are never blocked: the snapshot is H2's
 * copy-on-write view of every table, taken at one instant between commits.
 */
final class ImageProducer implements AutoCloseable {

    private final Connection session;
    private final AppliedPosition position;
    private final SchemaScript schema;
    private final List<ImageTable> tables;
    private final Map<String, Integer> identities;
    private final RowCodec codec = new RowCodec();
    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    private final CRC32C checksum = new CRC32C();
    private final DataOutputStream out;

    private boolean headerWritten;
    private int tableIndex;
    private Statement query;
    private ResultSet rows;
    private long tableRows;
    private long totalRows;
    private boolean finished;
    private boolean released;

    private ImageProducer(Connection session, AppliedPosition position, SchemaScript schema,
                          List<ImageTable> tables, Map<String, Integer> identities, OutputStream sink) {
        this.session = session;
        this.position = position;
        this.schema = schema;
        this.tables = tables;
        this.identities = identities;
        this.out = new DataOutputStream(new CheckedOutputStream(new DeflaterOutputStream(sink, deflater, 64 * 1024), checksum));
    }

    /**
     * Scripts the schema on {@code scripting} and fixes the snapshot on {@code session}, which the
     * producer then owns. No DDL may run during this call; DDL that runs afterwards on a table not
     * yet read is detected when the table is read.
     */
    static ImageProducer start(Connection scripting, Connection session, OutputStream sink)
            throws SQLException, ImageInvalidatedException {
        SchemaScript schema = SchemaScript.of(scripting);
        List<ImageTable> tables = TableCatalog.tables(scripting);
        Map<String, Integer> identities = TableCatalog.identities(scripting, tables);
        try (Statement settings = session.createStatement()) {
            // Streams rows from the table cursor instead of materialising each result first.
            settings.execute("SET LAZY_QUERY_EXECUTION TRUE");
            settings.execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SNAPSHOT");
        }
        session.setAutoCommit(false);
        // The first statement of a SNAPSHOT transaction pins a view of every table at once, so the
        // position read here is exactly the one the rows read later belong to.
        AppliedPosition position = AppliedTable.read(session);
        ImageProducer producer = new ImageProducer(session, position, schema, tables, identities, sink);
        producer.checkIdentities("while the snapshot was being fixed");
        return producer;
    }

    AppliedPosition position() {
        return position;
    }

    /**
     * Writes the next piece of the image. Returns false once the image is complete, after which the
     * H2 session has been released.
     */
    boolean step() throws IOException {
        if (finished) {
            return false;
        }
        try {
            if (!headerWritten) {
                writeHeader();
                headerWritten = true;
            } else if (rows != null) {
                writeRowBlock();
            } else if (tableIndex < tables.size()) {
                openTable(tables.get(tableIndex));
            } else {
                finish();
                return false;
            }
            return true;
        } catch (SQLException failure) {
            throw new ImageProductionException("reading the rows of an image failed", failure);
        }
    }

    private void writeHeader() throws IOException {
        out.write(ImageFormat.MAGIC);
        out.writeInt(ImageFormat.VERSION);
        out.writeLong(position.index());
        out.writeLong(position.term());
        writeStrings(schema.beforeRows());
        writeStrings(schema.afterRows());
        writeCheck();
    }

    private void openTable(ImageTable table) throws IOException, SQLException {
        checkIdentity(table, "before its rows were read");
        out.writeByte(ImageFormat.TABLE_START);
        writeString(table.schema());
        writeString(table.name());
        writeStrings(table.columns());
        out.writeBoolean(table.overridesIdentity());
        writeCheck();
        query = session.createStatement();
        rows = query.executeQuery(table.selectSql());
        tableRows = 0;
    }

    private void writeRowBlock() throws IOException, SQLException {
        ImageTable table = tables.get(tableIndex);
        int columnCount = table.columns().size();
        int count = 0;
        // Rows are counted before they are written, so the block is announced with its size.
        ByteBuffer[] block = new ByteBuffer[ImageFormat.ROWS_PER_BLOCK];
        while (count < block.length && rows.next()) {
            ByteBuffer encoded = codec.encode(rows, columnCount);
            block[count++] = ByteBuffer.allocate(encoded.remaining()).put(encoded).flip();
        }
        if (count > 0) {
            out.writeByte(ImageFormat.ROWS);
            out.writeInt(count);
            for (int i = 0; i < count; i++) {
                out.writeInt(block[i].remaining());
                out.write(block[i].array(), 0, block[i].remaining());
            }
            writeCheck();
            tableRows += count;
            totalRows += count;
        }
        if (count < block.length) {
            closeTable();
            // DDL that replaced the table mid-read would have fed us rows of another object.
            checkIdentity(table, "while its rows were read");
            out.writeByte(ImageFormat.TABLE_END);
            out.writeLong(tableRows);
            tableIndex++;
        }
    }

    private void finish() throws IOException, SQLException {
        out.writeByte(ImageFormat.IMAGE_END);
        out.writeLong(tables.size());
        out.writeLong(totalRows);
        writeCheck();
        out.close();
        finished = true;
        release();
    }

    /** The running checksum, so the loader can reject damage before it acts on what it read. */
    private void writeCheck() throws IOException {
        out.writeInt((int) checksum.getValue());
    }

    private void checkIdentities(String when) throws ImageInvalidatedException, SQLException {
        Map<String, Integer> now = TableCatalog.identities(session, tables);
        if (!now.equals(identities)) {
            throw new ImageInvalidatedException("DDL changed tables " + when + ": " + identities + " became " + now);
        }
    }

    private void checkIdentity(ImageTable table, String when) throws ImageInvalidatedException, SQLException {
        Integer now = TableCatalog.identities(session, List.of(table)).get(table.qualifiedName());
        if (!now.equals(identities.get(table.qualifiedName()))) {
            throw new ImageInvalidatedException("DDL changed table " + table.qualifiedName() + " " + when);
        }
    }

    private void writeStrings(List<String> strings) throws IOException {
        out.writeInt(strings.size());
        for (String string : strings) {
            writeString(string);
        }
    }

    private void writeString(String string) throws IOException {
        byte[] bytes = string.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private void closeTable() throws SQLException {
        Statement closingQuery = query;
        ResultSet closingRows = rows;
        query = null;
        rows = null;
        try {
            if (closingRows != null) {
                closingRows.close();
            }
        } finally {
            if (closingQuery != null) {
                closingQuery.close();
            }
        }
    }

    /** Ends the snapshot transaction early, so H2 can reclaim old versions while bytes are still read. */
    private void release() throws SQLException {
        if (released) {
            return;
        }
        released = true;
        try (Connection closing = session) {
            closeTable();
            if (!closing.isClosed()) {
                closing.rollback();
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            release();
        } catch (SQLException failure) {
            throw new ImageProductionException("closing the image session failed", failure);
        } finally {
            deflater.end();
        }
    }
}
