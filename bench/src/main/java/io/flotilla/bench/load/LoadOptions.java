package io.flotilla.bench.load;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The command-line options of {@link LoadTool}: {@code --name value} pairs, nothing else. */
record LoadOptions(String url, String user, String password, List<Workload> workloads, int clients,
                   int seconds, int warmupSeconds, long rows, double mixedReadRatio, List<Integer> ranges) {

    static final String USAGE = String.join("\n",
            "usage: java -cp bench/target/benchmarks.jar io.flotilla.bench.load.LoadTool --url <jdbc url> [options]",
            "  --url URL                 system under test, e.g. jdbc:flotilla://127.0.0.1:5101,127.0.0.1:5102,127.0.0.1:5103",
            "  --user NAME               user for --url (default sa)",
            "  --password PW             password for --url (default empty)",
            "  --workload W              insert | point-select | mixed (default: all three in turn)",
            "  --clients N               concurrent clients, one connection each (default 8)",
            "  --seconds S               measured seconds per workload (default 20)",
            "  --warmup S                seconds run before measuring, discarded (default 5)",
            "  --rows R                  rows preloaded for point-select and mixed (default 10000)",
            "  --mixed-read-ratio F      share of reads in mixed, the rest are updates (default 0.9)",
            "  --ranges N[,N...]         split LOAD_KV into N ranges over its preloaded keys before the workloads,",
            "                            each count in turn (default 1: not split; Flotilla only), e.g. 1,20",
            "Every workload also runs against an in-process H2 TCP server, the single-node baseline.");

    private static final Set<String> NAMES = Set.of("url", "user", "password", "workload", "clients", "seconds",
            "warmup", "rows", "mixed-read-ratio", "ranges");

    static LoadOptions parse(String[] args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                throw new IllegalArgumentException("");
            }
            if (!arg.startsWith("--") || !NAMES.contains(arg.substring(2))) {
                throw new IllegalArgumentException("unknown option: " + arg);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(arg + " needs a value");
            }
            if (given.put(arg.substring(2), args[i + 1]) != null) {
                throw new IllegalArgumentException(arg + " given twice");
            }
        }
        List<Workload> workloads = given.containsKey("workload")
                ? List.of(Workload.byName(given.get("workload")))
                : new ArrayList<>(EnumSet.allOf(Workload.class));
        LoadOptions options = new LoadOptions(given.get("url"), given.getOrDefault("user", "sa"), given.getOrDefault("password", ""),
                workloads, intOption(given, "clients", 8), intOption(given, "seconds", 20),
                intOption(given, "warmup", 5), longOption(given, "rows", 10_000),
                doubleOption(given, "mixed-read-ratio", 0.9), rangesOption(given));
        if (options.url() == null) {
            throw new IllegalArgumentException("--url is required");
        }
        options.check();
        return options;
    }

    private void check() {
        require(clients >= 1, "--clients must be at least 1");
        require(seconds >= 1, "--seconds must be at least 1");
        require(warmupSeconds >= 0, "--warmup must not be negative");
        require(rows >= 1, "--rows must be at least 1");
        require(mixedReadRatio >= 0 && mixedReadRatio <= 1, "--mixed-read-ratio must be within 0..1");
        require(ranges.stream().allMatch(r -> r >= 1 && r <= rows), "--ranges must be between 1 and --rows");
        require(ranges.size() == 1 && ranges.get(0) == 1 || needsPreload(),
                "--ranges splits the preloaded keys: give a workload that reads them (point-select or mixed)");
    }

    /** Insert alone reads no preloaded rows, so the preload is skipped for it. */
    boolean needsPreload() {
        return workloads.stream().anyMatch(Workload::readsPreloadedRows);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    private static List<Integer> rangesOption(Map<String, String> given) {
        List<Integer> out = new ArrayList<>();
        for (String r : given.getOrDefault("ranges", "1").split(",")) {
            try {
                out.add(Integer.parseInt(r.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--ranges takes numbers, e.g. 1,20: " + given.get("ranges"));
            }
        }
        return List.copyOf(out);
    }

    private static int intOption(Map<String, String> given, String name, int fallback) {
        long v = longOption(given, name, fallback);
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw new IllegalArgumentException("--" + name + " is out of range: " + v);
        }
        return (int) v;
    }

    private static long longOption(Map<String, String> given, String name, long fallback) {
        String v = given.get(name);
        try {
            return v == null ? fallback : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " is not a whole number: " + v);
        }
    }

    private static double doubleOption(Map<String, String> given, String name, double fallback) {
        String v = given.get(name);
        try {
            return v == null ? fallback : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " is not a number: " + v);
        }
    }
}
