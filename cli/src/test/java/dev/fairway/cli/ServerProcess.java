package dev.fairway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.gateway.TestGateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** `fairway serve` as a separate JVM (same classpath as the tests), for crash tests. */
final class ServerProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("^Fairway listening on (http://\\S+)$");

    private final Process process;
    private final String baseUrl;
    private final List<String> output;
    private final Thread reader;

    private ServerProcess(Process process, String baseUrl, List<String> output, Thread reader) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.output = output;
        this.reader = reader;
    }

    static ServerProcess start(Path db, String... extraArgs) throws IOException, InterruptedException {
        return start(db.toString(), Map.of(), extraArgs);
    }

    /** {@code db} as --db takes it (a file or postgresql://...); {@code env} added to the server's environment. */
    static ServerProcess start(String db, Map<String, String> env, String... extraArgs)
            throws IOException, InterruptedException {
        return start(db, env, true, extraArgs);
    }

    /**
     * With {@code mergeErrors} false, {@link #lines()} holds standard output only (standard error is kept apart, for
     * failure messages): what a test of `--log-format json` reads.
     */
    static ServerProcess start(String db, Map<String, String> env, boolean mergeErrors, String... extraArgs)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(
                cli("serve", "--model", TestGateway.modelPath(), "--db", db, "--kv-mb", "32", "--threads", "2"));
        if (!List.of(extraArgs).contains("--port")) command.addAll(List.of("--port", "0"));
        command.addAll(List.of(extraArgs));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(mergeErrors);
        builder.environment().putAll(env);
        Process p = builder.start();
        CompletableFuture<String> url = new CompletableFuture<>();
        List<String> lines = new ArrayList<>();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r =
                            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            synchronized (lines) {
                                lines.add(line);
                                lines.notifyAll();
                            }
                            Matcher m = LISTENING.matcher(message(line));
                            if (m.matches()) url.complete(m.group(1));
                        }
                    } catch (IOException ignored) {
                        // the process died; url stays incomplete and start() reports the output
                    }
                    url.completeExceptionally(new IllegalStateException("server exited"));
                },
                "server-output");
        reader.setDaemon(true);
        reader.start();
        List<String> errors = new ArrayList<>();
        if (!mergeErrors) {
            Thread errorReader = new Thread(
                    () -> {
                        try (BufferedReader r =
                                new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                            String line;
                            while ((line = r.readLine()) != null) {
                                synchronized (errors) {
                                    errors.add(line);
                                }
                            }
                        } catch (IOException ignored) {
                            // the process died
                        }
                    },
                    "server-errors");
            errorReader.setDaemon(true);
            errorReader.start();
        }
        try {
            return new ServerProcess(p, url.get(60, TimeUnit.SECONDS), lines, reader);
        } catch (Exception e) {
            p.destroyForcibly();
            synchronized (lines) {
                synchronized (errors) {
                    throw new AssertionError(
                            "server did not start: " + String.join("\n", lines) + "\n" + String.join("\n", errors), e);
                }
            }
        }
    }

    /** A line's text: itself, or the message of a JSON log line (`--log-format json`). */
    private static String message(String line) {
        if (!line.startsWith("{")) return line;
        try {
            JsonNode message = JSON.readTree(line).get("message");
            return message == null ? line : message.asText();
        } catch (IOException e) {
            return line;
        }
    }

    /** The command line that runs `fairway ARGS...` in a JVM of its own on the tests' classpath. */
    static List<String> cli(String... args) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx1g",
                "-cp",
                classpath,
                "dev.fairway.cli.FairwayCli"));
        command.addAll(List.of(args));
        return command;
    }

    String baseUrl() {
        return baseUrl;
    }

    /** SIGKILL: no shutdown hooks, no flushing, like a power cut for the JVM. */
    long pid() {
        return process.pid();
    }

    void kill9() throws IOException, InterruptedException {
        // the kill(2) call itself, not a `kill` process: no spawn delay lets a reply finish meanwhile on a slow machine
        process.toHandle().destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    /**
     * SIGTERM, as systemd or `kill` sends it; waits for the process to exit and returns its exit code (143 for a
     * JVM that ran its shutdown hooks on SIGTERM).
     */
    int sigterm(int waitSeconds) throws InterruptedException {
        // not Process.destroy(): it also closes our end of the output pipe, and the last lines would be lost. The
        // handle sends the signal itself (kill(2)), at once, with no `kill` process to spawn first.
        if (!process.toHandle().destroy()) throw new AssertionError("SIGTERM could not be sent:\n" + output());
        if (!process.waitFor(waitSeconds, TimeUnit.SECONDS))
            throw new AssertionError("no exit " + waitSeconds + " s after SIGTERM:\n" + output());
        reader.join(30_000);
        return process.exitValue();
    }

    /** The lines printed so far (standard output, and standard error where merged). */
    List<String> lines() {
        synchronized (output) {
            return List.copyOf(output);
        }
    }

    /** Waits (up to 60 s, however slow the machine) until {@code count} lines match, and returns those. */
    List<String> awaitLines(Predicate<String> matching, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        synchronized (output) {
            while (true) {
                List<String> found = output.stream().filter(matching).toList();
                if (found.size() >= count) return found;
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0)
                    throw new AssertionError(
                            "expected " + count + " matching lines, saw " + found.size() + ":\n" + output());
                output.wait(left);
            }
        }
    }

    /** Everything the server printed so far. */
    String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
