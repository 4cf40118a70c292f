package io.flotilla.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The node's assembly ({@code io.flotilla.sql.node}) uses nothing of the server that takes clients
 * ({@code io.flotilla.sql.server}): the dependency points from the server to the node only, so the
 * node can be assembled, tested and simulated without the client port, and the server can change
 * without the node's code following it.
 *
 * <p>Read from the compiled classes rather than the sources: a class names every class it uses in
 * its constant pool (imports, fully qualified names and lambdas alike), and a comment that names
 * the server package is no dependency.
 */
class PackageDependenciesTest {

    /** A class of the server package as a class file names it (or as a string would, for reflection). */
    private static final Pattern SERVER_CLASS = Pattern.compile("io[/.]flotilla[/.]sql[/.]server[/.][A-Za-z0-9_$/.]+");

    @Test
    void theNodePackageUsesNothingOfTheServerPackage() throws Exception {
        Path classes = Path.of(Node.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(classes), "the node's classes are read from a directory, not " + classes);
        Path nodePackage = classes.resolve("io/flotilla/sql/node");
        List<Path> classFiles;
        try (Stream<Path> files = Files.walk(nodePackage)) {
            classFiles = files.filter(f -> f.toString().endsWith(".class")).sorted().toList();
        }
        // An empty or moved package would make the check below pass without looking at anything.
        assertFalse(classFiles.isEmpty(), "no class files under " + nodePackage);
        assertTrue(classFiles.contains(nodePackage.resolve("Node.class")), "Node.class is not under " + nodePackage);

        SortedMap<String, SortedSet<String>> uses = new TreeMap<>();
        for (Path f : classFiles) {
            // ISO-8859-1 maps every byte to one char, so the ASCII names in the constant pool read as they are.
            Matcher m = SERVER_CLASS.matcher(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            while (m.find()) {
                uses.computeIfAbsent(classes.relativize(f).toString(), k -> new TreeSet<>())
                        .add(m.group().replace('/', '.'));
            }
        }
        assertEquals(new TreeMap<>(), uses, "classes of io.flotilla.sql.node that use io.flotilla.sql.server");
    }
}
