package io.flotilla.statemachine.store;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

import org.h2.value.Value;

/**
 * Loads an image into an empty database: schema, rows in insert batches, then indexes,
 * constraints and triggers. Streams; holds one block of rows at a time.
 */
final class ImageLoader {

    /** Rows per H2 transaction while loading: keeps H2's undo log small without a commit per row. */
    private static final int ROWS_PER_COMMIT = 16 * ImageFormat.ROWS_PER_BLOCK;

    private final Connection target;
    private final InstallHook hook;
    private final CRC32C checksum = new CRC32C();
    private final RowCodec codec = new RowCodec();
    private InputStream raw;
    private Inflater inflater;
    private DataInputStream in;
    private boolean loadingReported;

    private ImageLoader(Connection target, InstallHook hook) {
        this.target = target;
        this.hook = hook;
    }

    /**
     * Loads {@code image} into {@code target}, an empty database, and returns the applied position
     * it holds. The channel is read to its end but not closed.
     *
     * @throws CorruptImageException if the image is truncated, damaged or inconsistent
     */
    static AppliedPosition load(ReadableByteChannel image, Connection target, InstallHook hook)
            throws IOException, SQLException {
        Inflater inflater = new Inflater();
        try {
            // Not closed here: closing it would close the caller's channel.
            ImageLoader loader = new ImageLoader(target, hook);
            loader.raw = Channels.newInputStream(image);
            loader.inflater = inflater;
            loader.in = new DataInputStream(new CheckedInputStream(
                    new BufferedInputStream(new InflaterInputStream(loader.raw, inflater, 64 * 1024), 64 * 1024),
                    loader.checksum));
            return loader.load();
        } catch (EOFException truncated) {
            throw new CorruptImageException("image ends early: it was truncated", truncated);
        } catch (ZipException damaged) {
            throw new CorruptImageException("image is not a valid compressed stream: " + damaged.getMessage(), damaged);
        } finally {
            inflater.end();
        }
    }

    private AppliedPosition load() throws IOException, SQLException {
        byte[] magic = new byte[ImageFormat.MAGIC.length];
        in.readFully(magic);
        if (!Arrays.equals(magic, ImageFormat.MAGIC)) {
            throw new CorruptImageException("not a Flotilla database image (bad magic)");
        }
        int version = in.readInt();
        if (version != ImageFormat.VERSION) {
            throw new CorruptImageException("unsupported image format version " + version);
        }
        AppliedPosition position = readPosition();
        List<String> beforeRows = readStrings();
        List<String> afterRows = readStrings();
        verifyCheck("the image header");
        target.setAutoCommit(true);
        execute(beforeRows);
        target.setAutoCommit(false);
        long tables = 0;
        long rows = 0;
        while (true) {
            byte tag = in.readByte();
            if (tag == ImageFormat.TABLE_START) {
                rows += loadTable();
                tables++;
            } else if (tag == ImageFormat.IMAGE_END) {
                verifyEnd(tables, rows);
                break;
            } else {
                throw new CorruptImageException("unexpected record tag " + tag + " between tables");
            }
        }
        target.commit();
        target.setAutoCommit(true);
        execute(afterRows);
        AppliedPosition loaded = AppliedTable.read(target);
        if (!loaded.equals(position)) {
            throw new CorruptImageException("image header says " + position + " but its FLOTILLA.APPLIED row says " + loaded);
        }
        return position;
    }

    private AppliedPosition readPosition() throws IOException {
        long index = in.readLong();
        long term = in.readLong();
        if (index < 0 || term < 0) {
            throw new CorruptImageException("negative applied position " + index + "@" + term);
        }
        return new AppliedPosition(index, term);
    }

    private long loadTable() throws IOException, SQLException {
        String schema = readString();
        String name = readString();
        List<String> columns = readStrings();
        boolean overridesIdentity = in.readBoolean();
        verifyCheck("the header of table " + schema + "." + name);
        ImageTable table = new ImageTable(schema, name, columns, overridesIdentity);
        long loaded = 0;
        long uncommitted = 0;
        try (PreparedStatement insert = target.prepareStatement(table.insertSql())) {
            while (true) {
                byte tag = in.readByte();
                if (tag == ImageFormat.ROWS) {
                    int count = readLength("row count");
                    List<byte[]> block = new ArrayList<>(Math.min(count, ImageFormat.ROWS_PER_BLOCK));
                    for (int i = 0; i < count; i++) {
                        block.add(readBytes("row"));
                    }
                    verifyCheck("a block of rows of " + table.qualifiedName());
                    for (byte[] encoded : block) {
                        Value[] row = codec.decode(ByteBuffer.wrap(encoded), columns.size());
                        for (int column = 0; column < row.length; column++) {
                            insert.setObject(column + 1, row[column]);
                        }
                        insert.addBatch();
                    }
                    insert.executeBatch();
                    loaded += count;
                    uncommitted += count;
                    if (uncommitted >= ROWS_PER_COMMIT) {
                        target.commit();
                        uncommitted = 0;
                    }
                    if (!loadingReported) {
                        loadingReported = true;
                        hook.reached(InstallStage.LOADING);
                    }
                } else if (tag == ImageFormat.TABLE_END) {
                    long expected = in.readLong();
                    if (expected != loaded) {
                        throw new CorruptImageException(table.qualifiedName() + " should have " + expected
                                + " rows but the image carries " + loaded);
                    }
                    return loaded;
                } else {
                    throw new CorruptImageException("unexpected record tag " + tag + " in the rows of " + table.qualifiedName());
                }
            }
        }
    }

    private void verifyEnd(long tables, long rows) throws IOException {
        long expectedTables = in.readLong();
        long expectedRows = in.readLong();
        verifyCheck("the end of the image");
        if (expectedTables != tables || expectedRows != rows) {
            throw new CorruptImageException("image should hold " + expectedTables + " tables and " + expectedRows
                    + " rows but holds " + tables + " and " + rows);
        }
        // The compressed stream ends by itself; anything behind it means the image is not what was sent.
        if (in.read() != -1 || inflater.getRemaining() > 0 || raw.read() != -1) {
            throw new CorruptImageException("bytes follow the end of the image");
        }
    }

    private void verifyCheck(String where) throws IOException {
        int computed = (int) checksum.getValue();
        int stored = in.readInt();
        if (stored != computed) {
            throw new CorruptImageException(String.format("checksum mismatch after %s: stored %08x, computed %08x",
                    where, stored, computed));
        }
    }

    private void execute(List<String> statements) throws SQLException {
        try (Statement statement = target.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private List<String> readStrings() throws IOException {
        int count = readLength("string count");
        List<String> strings = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++) {
            strings.add(readString());
        }
        return strings;
    }

    private String readString() throws IOException {
        return new String(readBytes("string"), StandardCharsets.UTF_8);
    }

    private byte[] readBytes(String what) throws IOException {
        byte[] bytes = new byte[readLength(what + " length")];
        in.readFully(bytes);
        return bytes;
    }

    private int readLength(String what) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > ImageFormat.MAX_RECORD_BYTES) {
            throw new CorruptImageException("implausible " + what + " " + length);
        }
        return length;
    }
}
