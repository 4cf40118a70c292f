package io.flotilla.sql.network;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One system command ({@code ip}, {@code iptables}, {@code apt-get}) run to its end within a
 * deadline, its output kept. The network harness changes the machine only through these.
 */
record Command(List<String> argv) {

    private static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

    /** What a command came to; exit -1 when it was killed at its deadline. */
    record Result(Command command, int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        /** This result, or an exception naming the command, its exit code and its output. */
        Result orFail() {
            if (!ok()) {
                throw new IllegalStateException("`" + command + "` failed (exit " + exitCode + "): " + output.strip());
            }
            return this;
        }
    }

    static Command of(String... argv) {
        return new Command(List.of(argv));
    }

    Result run() {
        return run(DEFAULT_DEADLINE, Map.of());
    }

    /** Runs it and fails unless it exits with 0. */
    Result runOrFail() {
        return run().orFail();
    }

    Result run(Duration deadline, Map<String, String> environment) {
        Path out = null;
        try {
            // Output to a file, not a pipe: nothing can then block on a full pipe buffer.
            out = Files.createTempFile("flotilla-network-command-", ".out");
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().putAll(environment);
            Process p = pb.start();
            int exit;
            if (p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                exit = p.exitValue();
            } else {
                p.destroyForcibly().waitFor();
                exit = -1;
            }
            String text = Files.readString(out);
            return new Result(this, exit, exit == -1 ? text + "\n(killed after " + deadline.toSeconds() + " s)" : text);
        } catch (IOException e) {
            // No such program, typically: a result, so that callers can tell "missing" from "failed".
            return new Result(this, 127, String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running `" + this + "`", e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    // A stray temporary file harms nothing, and the command's own result must not be lost for it.
                    System.err.println("could not delete " + out + ": " + e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return String.join(" ", argv);
    }
}
