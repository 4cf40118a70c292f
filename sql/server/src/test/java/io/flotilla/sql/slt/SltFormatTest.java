package io.flotilla.sql.slt;

import io.flotilla.sql.slt.SltRecord.SortMode;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Values rendered by type letter, sort modes and the result hash, as sqllogictest defines them. */
class SltFormatTest {

    @Test
    void integerColumnsTruncateRealsAndReadLeadingDigitsOfText() {
        assertEquals("NULL", SltFormat.integer(null));
        assertEquals("-42", SltFormat.integer(-42L));
        assertEquals("7", SltFormat.integer(7));
        assertEquals("2", SltFormat.integer(new BigDecimal("2.9")));
        assertEquals("-2", SltFormat.integer(new BigDecimal("-2.9")));
        assertEquals("2", SltFormat.integer(2.5d), "truncated toward zero as SQLite does, not rounded as H2's getLong");
        assertEquals("9223372036854775807", SltFormat.integer(new BigInteger("99999999999999999999")));
        assertEquals("1", SltFormat.integer(true));
        assertEquals("12", SltFormat.integer(" 12abc"));
        assertEquals("0", SltFormat.integer("abc"));
    }

    @Test
    void realColumnsHaveThreeDecimals() {
        assertEquals("NULL", SltFormat.real(null));
        assertEquals("1.000", SltFormat.real(1));
        assertEquals("0.667", SltFormat.real(2.0 / 3));
        assertEquals("-12.500", SltFormat.real(new BigDecimal("-12.5")));
        assertEquals("15.000", SltFormat.real(" 1.5e1x"));
        assertEquals("0.000", SltFormat.real("abc"));
    }

    @Test
    void textColumnsShowEmptyAndUnprintableCharacters() {
        assertEquals("NULL", SltFormat.text(null));
        assertEquals("(empty)", SltFormat.text(""));
        assertEquals("a b", SltFormat.text("a b"));
        assertEquals("a@b@", SltFormat.text("a\tb\u00e9"));
    }

    @Test
    void sortModesCompareRenderedTextAsStrcmpDoes() {
        List<String> values = List.of("9", "b", "10", "a", "10", "0");
        assertEquals(values, SltFormat.sorted(values, 2, SortMode.NOSORT));
        assertEquals(List.of("10", "0", "10", "a", "9", "b"), SltFormat.sorted(values, 2, SortMode.ROWSORT),
                "rows by their first value, then their second; \"10\" before \"9\"");
        assertEquals(List.of("0", "10", "10", "9", "a", "b"), SltFormat.sorted(values, 2, SortMode.VALUESORT));
    }

    @Test
    void theHashIsOfEveryValueFollowedByANewline() {
        // md5 of "1\n2\n3\n"
        assertEquals("c0710d6b4f15dfa88f600b0e6b624077", SltFormat.md5(List.of("1", "2", "3")));
        List<String> oneToTen = IntStream.rangeClosed(1, 10).mapToObj(Integer::toString).toList();
        assertEquals("3b0332e02daabf31651a5a0d81ba830a", SltFormat.md5(oneToTen));
        assertEquals("10 values hashing to 3b0332e02daabf31651a5a0d81ba830a", SltFormat.hashLine(10, SltFormat.md5(oneToTen)));
    }
}
