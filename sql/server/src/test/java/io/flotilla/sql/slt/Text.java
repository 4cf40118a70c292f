package io.flotilla.sql.slt;

/** Shortening SQL and messages for reports: one line, bounded length. */
final class Text {

    private Text() {
    }

    static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    static String shortened(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + " ...";
    }
}
