package io.flotilla.sql.slt;

import io.flotilla.sql.slt.SltParser.SltSyntaxException;
import io.flotilla.sql.slt.SltRecord.Conditions;
import io.flotilla.sql.slt.SltRecord.Expected;
import io.flotilla.sql.slt.SltRecord.SortMode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parser on small scripts, on scripts it must refuse, and on the corpus's select files. */
class SltParserTest {

    @Test
    void everyRecordTypeWithItsLineAndConditions() {
        SltScript script = SltParser.parse("inline.test", """
                # a comment before anything
                hash-threshold 4

                statement ok
                CREATE TABLE t1(a INTEGER,
                  b VARCHAR(10))

                statement error
                INSERT INTO nowhere VALUES(1)

                skipif mysql # a comment after the condition
                onlyif sqlite
                query IT rowsort label-7
                SELECT a, b
                  FROM t1
                ----
                1
                (empty)
                NULL
                x y

                query I valuesort
                SELECT a FROM t1
                ----
                9 values hashing to 0123456789abcdef0123456789abcdef

                query R
                SELECT 1.5
                ----

                query T nosort
                SELECT b FROM t1

                skipif sqlite
                halt
                """);
        List<SltRecord> records = script.records();
        assertEquals(8, records.size());
        assertEquals(new SltRecord.HashThreshold(2, 4), records.get(0));
        assertEquals(new SltRecord.Statement(4, Conditions.ALWAYS, true, "CREATE TABLE t1(a INTEGER,\n  b VARCHAR(10))"),
                records.get(1));
        assertEquals(new SltRecord.Statement(8, Conditions.ALWAYS, false, "INSERT INTO nowhere VALUES(1)"), records.get(2));
        assertEquals(new SltRecord.Query(11, new Conditions(List.of("mysql"), List.of("sqlite")), "IT", SortMode.ROWSORT,
                Optional.of("label-7"), "SELECT a, b\n  FROM t1", new Expected.Values(List.of("1", "(empty)", "NULL", "x y"))),
                records.get(3));
        assertEquals(new SltRecord.Query(22, Conditions.ALWAYS, "I", SortMode.VALUESORT, Optional.empty(), "SELECT a FROM t1",
                new Expected.Hash(9, "0123456789abcdef0123456789abcdef")), records.get(4));
        assertEquals(new Expected.Values(List.of()), ((SltRecord.Query) records.get(5)).expected(),
                "a query with ---- and no lines expects no rows");
        assertEquals(SortMode.NOSORT, ((SltRecord.Query) records.get(5)).sortMode(), "nosort when no mode is given");
        assertEquals(new Expected.Unchecked(), ((SltRecord.Query) records.get(6)).expected(),
                "a query without ---- only has to run");
        assertEquals(new SltRecord.Halt(34, new Conditions(List.of("sqlite"), List.of())), records.get(7));
    }

    @Test
    void conditionsSelectEngines() {
        assertTrue(Conditions.ALWAYS.runOn("h2"));
        assertTrue(new Conditions(List.of("sqlite"), List.of()).runOn("h2"));
        assertEquals(false, new Conditions(List.of("h2"), List.of()).runOn("h2"));
        assertEquals(false, new Conditions(List.of(), List.of("mysql")).runOn("h2"));
        assertTrue(new Conditions(List.of(), List.of("mysql", "h2")).runOn("h2"));
    }

    @Test
    void whatTheFormatDoesNotDefineIsRefusedWithItsLine() {
        assertRefused("query I sideways\nSELECT 1\n----\n1\n", "inline.test:1: unknown sort mode 'sideways'");
        assertRefused("\n\nquery IX\nSELECT 1\n", "inline.test:3: a query names its column types");
        assertRefused("statement maybe\nSELECT 1\n", "inline.test:1: a statement is 'statement ok' or 'statement error'");
        assertRefused("statement ok\n\n", "inline.test:1: statement without SQL");
        assertRefused("skipif mysql\n\nstatement ok\nSELECT 1\n", "inline.test:1: 'skipif mysql' is followed by no record");
        assertRefused("select 1\n", "inline.test:1: not a record: select 1");
        assertRefused("hash-threshold many\n", "inline.test:1: hash-threshold needs a number");
    }

    private static void assertRefused(String text, String messageStart) {
        SltSyntaxException e = assertThrows(SltSyntaxException.class, () -> SltParser.parse("inline.test", text));
        assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
    }

    @Test
    void theSelectFilesHaveTheirKnownCounts() throws Exception {
        try (Corpus corpus = Corpus.open()) {
            assertEquals(List.of("select1.test", "select2.test", "select3.test", "select4.test", "select5.test"),
                    corpus.files("select*.test"));
            long queries = 0;
            for (String file : corpus.files("select*.test")) {
                queries += corpus.script(file).queries();
            }
            assertEquals(8_884, queries);
            SltScript select1 = corpus.script("select1.test");
            assertEquals(31, select1.statements());
            assertEquals(1_000, select1.queries());
            SltRecord.Query first = (SltRecord.Query) select1.records().get(31);
            assertEquals(new Expected.Hash(30, "3c13dee48d9356ae19af2515e05e6b54"), first.expected());
            assertTrue(corpus.files("index/between/10/*.test").contains("index/between/10/slt_good_0.test"));
        }
    }
}
