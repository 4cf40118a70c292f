package io.flotilla.bench.load;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Where figures came from: the command line and the commit, printed above them. */
final class RunContext {

    private RunContext() {
    }

    /** The JVM's own command line where the OS tells it (Linux does), else what it can be rebuilt from. */
    static String commandLine(String[] args) {
        ProcessHandle.Info self = ProcessHandle.current().info();
        if (self.command().isPresent() && self.arguments().isPresent()) {
            return self.command().get() + " " + join(self.arguments().get());
        }
        return "java -cp " + System.getProperty("java.class.path") + " " + LoadTool.class.getName() + " " + join(args);
    }

    /** The short commit of the working directory, marked when tracked files differ from it. */
    static String commit() {
        String head = git("rev-parse", "--short", "HEAD");
        if (head == null || head.isEmpty()) {
            return "unknown (not in a git working tree)";
        }
        // --no-optional-locks: status must not rewrite the index of a tree someone is working in.
        String changes = git("--no-optional-locks", "status", "--porcelain", "--untracked-files=no");
        return changes == null || changes.isEmpty() ? head : head + " (plus uncommitted changes)";
    }

    private static String git(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "git";
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (InputStream out = p.getInputStream()) {
                String text = new String(out.readAllBytes(), StandardCharsets.UTF_8).trim();
                return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? text : null;
            }
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String join(String[] args) {
        return Arrays.stream(args).map(RunContext::quote).collect(Collectors.joining(" "));
    }

    private static String quote(String arg) {
        return arg.isEmpty() || arg.matches(".*[\\s'\"$&;|<>()*?].*") ? "'" + arg.replace("'", "'\\''") + "'" : arg;
    }
}
