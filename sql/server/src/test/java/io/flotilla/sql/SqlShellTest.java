package io.flotilla.sql;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sqlline.SqlLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** sqlline 1.12.0, in this JVM, against three real nodes: what cluster-scripts/sql runs. */
class SqlShellTest {

    private static LocalNodes nodes;
    private static Path home;

    @BeforeAll
    static void start() throws Exception {
        nodes = new LocalNodes(3);
        home = Files.createTempDirectory("flotilla-sqlline-");
    }

    @AfterAll
    static void stop() throws Exception {
        nodes.close();
        try (var paths = Files.walk(home)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    record Run(SqlLine.Status status, String out, String err) {
    }

    private static Run sqlline(InputStream in, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("-u", nodes.url(), "-n", "sa", "-p", "",
                "--outputformat=csv", "--showHeader=true", "--silent=true",
                "--historyFile=" + home.resolve("history")));
        args.addAll(List.of(extra));
        SqlLine shell = new SqlLine();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        shell.setOutputStream(out);
        shell.setErrorStream(err);
        SqlLine.Status status = shell.begin(args.toArray(new String[0]), in, false);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static InputStream empty() {
        return new ByteArrayInputStream(new byte[0]);
    }

    @Test
    void oneStatementWithDashE() throws Exception {
        Run create = sqlline(empty(), "-e", "CREATE TABLE GREETING(ID INT PRIMARY KEY, TEXT VARCHAR(40))");
        assertEquals(SqlLine.Status.OK, create.status(), create.out() + create.err());
        Run insert = sqlline(empty(), "-e", "INSERT INTO GREETING VALUES (1, 'hello, flotilla'), (2, 'ahoy')");
        assertEquals(SqlLine.Status.OK, insert.status(), insert.out() + insert.err());
        Run select = sqlline(empty(), "-e", "SELECT ID, TEXT FROM GREETING ORDER BY ID");
        assertEquals(SqlLine.Status.OK, select.status(), select.out() + select.err());
        assertTrue(select.out().contains("'ID','TEXT'"), select.out());
        assertTrue(select.out().contains("'1','hello, flotilla'"), select.out());
        assertTrue(select.out().contains("'2','ahoy'"), select.out());
    }

    @Test
    void aScriptOnStandardInput() throws Exception {
        String script = String.join("\n",
                "CREATE TABLE SHIPS(ID INT PRIMARY KEY, NAME VARCHAR(20), CREW INT);",
                "INSERT INTO SHIPS VALUES (1, 'flagship', 40), (2, 'tender', 6), (3, 'scout', 3);",
                "UPDATE SHIPS SET CREW = CREW + 1 WHERE ID = 3;",
                "SELECT NAME, CREW FROM SHIPS ORDER BY ID;",
                "SELECT COUNT(*) AS N, SUM(CREW) AS TOTAL FROM SHIPS;",
                "!quit", "");
        Run run = sqlline(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
        assertEquals(SqlLine.Status.OK, run.status(), run.out() + run.err());
        for (String row : new String[] {"'NAME','CREW'", "'flagship','40'", "'tender','6'", "'scout','4'",
            "'N','TOTAL'", "'3','50'"}) {
            assertTrue(run.out().contains(row), "expected " + row + " in:\n" + run.out() + run.err());
        }
    }

    @Test
    void aFailingStatementMakesAFailingStatus() throws Exception {
        Run run = sqlline(empty(), "-e", "SELECT * FROM NO_SUCH_TABLE");
        assertTrue(run.status() != SqlLine.Status.OK, "status " + run.status());
        assertTrue((run.out() + run.err()).contains("NO_SUCH_TABLE"), run.out() + run.err());
    }
}
