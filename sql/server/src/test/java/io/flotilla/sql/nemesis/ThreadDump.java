package io.flotilla.sql.nemesis;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A JVM's threads, taken with {@code jcmd Thread.print}: the evidence for a node that stopped answering. */
public final class ThreadDump {

    private ThreadDump() {
    }

    /** Writes the dump of the process into the file; returns the file, or a line saying why there is none. */
    public static String write(long pid, Path file) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "Thread.print", "-l")
                    .redirectErrorStream(true).redirectOutput(file.toFile()).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "jcmd timed out";
            }
            return p.exitValue() == 0 ? file.toString() : "jcmd exit " + p.exitValue() + " (" + file + ")";
        } catch (IOException e) {
            return "jcmd failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
