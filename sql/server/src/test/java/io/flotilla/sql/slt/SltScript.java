package io.flotilla.sql.slt;

import java.util.List;

/** A parsed sqllogictest file: its name (its path in the corpus) and its records in file order. */
public record SltScript(String name, List<SltRecord> records) {

    public SltScript {
        records = List.copyOf(records);
    }

    public long queries() {
        return records.stream().filter(r -> r instanceof SltRecord.Query).count();
    }

    public long statements() {
        return records.stream().filter(r -> r instanceof SltRecord.Statement).count();
    }
}
