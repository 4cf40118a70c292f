package io.flotilla.sql.slt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.stream.Stream;

/**
 * The sqllogictest corpus as {@code net.hydromatic:sql-logic-test} ships it: {@code test/**}{@code /*.test}
 * in its jar on the test class path (select1.test ... select5.test, evidence/, index/, random/).
 * Files are named by their path below {@code test/}, e.g. {@code index/between/10/slt_good_0.test}.
 */
public final class Corpus implements AutoCloseable {

    private static final String PROBE = "test/select1.test";

    private final FileSystem jar;
    private final Path root;

    private Corpus(FileSystem jar) {
        this.jar = jar;
        this.root = jar.getPath("/test");
    }

    public static Corpus open() throws IOException {
        URL probe = Corpus.class.getClassLoader().getResource(PROBE);
        if (probe == null) {
            throw new IllegalStateException(PROBE + " is not on the class path: the test dependency "
                    + "net.hydromatic:sql-logic-test is missing");
        }
        if (!(probe.openConnection() instanceof JarURLConnection connection)) {
            throw new IllegalStateException(PROBE + " is not in a jar: " + probe);
        }
        try {
            return new Corpus(FileSystems.newFileSystem(Path.of(connection.getJarFileURL().toURI())));
        } catch (URISyntaxException e) {
            throw new IllegalStateException("the corpus jar's location is not a file: " + probe, e);
        }
    }

    /**
     * The files whose path below {@code test/} matches the glob ({@code **} crosses directories;
     * {@code {a,b}} gives alternatives), in path order.
     */
    public List<String> files(String glob) throws IOException {
        PathMatcher matcher = jar.getPathMatcher("glob:" + glob);
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.filter(p -> p.toString().endsWith(".test") && Files.isRegularFile(p))
                    .map(root::relativize)
                    .filter(matcher::matches)
                    .map(Path::toString)
                    .sorted()
                    .toList();
        }
    }

    public SltScript script(String file) {
        try {
            return SltParser.parse(file, Files.readString(root.resolve(file), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + " from the corpus", e);
        }
    }

    @Override
    public void close() throws IOException {
        jar.close();
    }
}
