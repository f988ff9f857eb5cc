package dev.fairway.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** `fairway serve` as a separate JVM (same classpath as the tests), for crash tests. */
final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("^Fairway listening on (http://\\S+)$");

    private final Process process;
    private final String baseUrl;
    private final List<String> output = new ArrayList<>();

    private ServerProcess(Process process, String baseUrl) {
        this.process = process;
        this.baseUrl = baseUrl;
    }

    static ServerProcess start(Path db) throws IOException, InterruptedException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Xmx1g", "-cp", classpath, "dev.fairway.cli.FairwayCli", "serve", "--model", TestGateway.modelPath(),
                "--port", "0", "--db", db.toString(), "--kv-mb", "32", "--threads", "2")
                .redirectErrorStream(true).start();
        CompletableFuture<String> url = new CompletableFuture<>();
        List<String> lines = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) { lines.add(line); }
                    Matcher m = LISTENING.matcher(line);
                    if (m.matches()) url.complete(m.group(1));
                }
            } catch (IOException ignored) {
                // the process died; url stays incomplete and start() reports the output
            }
            url.completeExceptionally(new IllegalStateException("server exited"));
        }, "server-output");
        reader.setDaemon(true);
        reader.start();
        try {
            ServerProcess sp = new ServerProcess(p, url.get(60, TimeUnit.SECONDS));
            synchronized (lines) { sp.output.addAll(lines); }
            return sp;
        } catch (Exception e) {
            p.destroyForcibly();
            synchronized (lines) { throw new AssertionError("server did not start: " + String.join("\n", lines), e); }
        }
    }

    String baseUrl() { return baseUrl; }

    /** SIGKILL: no shutdown hooks, no flushing, like a power cut for the JVM. */
    void kill9() throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-9", String.valueOf(process.pid())).inheritIO().start().waitFor();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
