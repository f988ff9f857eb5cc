package dev.fairway.gateway.scale;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's nginx in front of test nodes, configured by the shipped deploy/nginx/fairway.conf with only its ports
 * changed: the nodes' ports on the upstream lines and a free port to listen on. Runs in the foreground from a
 * temp prefix (its own pid, logs and temp files). Skipped without /usr/sbin/nginx unless
 * -Dfairway.nginx.required=true (./fairway test) makes it a failure.
 */
public final class NginxProxy implements AutoCloseable {
    static final Path SHIPPED = Path.of("../deploy/nginx/fairway.conf");
    private static final Path NGINX = Path.of("/usr/sbin/nginx");

    private final Process process;
    private final Path prefix;
    private final int port;

    private NginxProxy(Process process, Path prefix, int port) {
        this.process = process;
        this.prefix = prefix;
        this.port = port;
    }

    /** {@code roundRobin}: the shipped file without its hash line, for contrast. */
    public static NginxProxy start(List<Integer> nodePorts, boolean roundRobin)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(NGINX)) {
            if (Boolean.getBoolean("fairway.nginx.required"))
                throw new IllegalStateException("nginx is required (apt-get install nginx)");
            assumeThat(Files.isExecutable(NGINX))
                    .as("nginx (apt-get install nginx)")
                    .isTrue();
        }
        int port = freePort();
        String site = Files.readString(SHIPPED)
                .replace("listen 127.0.0.1:8080;", "listen 127.0.0.1:" + port + ";")
                .replaceAll("(?m)^\\s*server 127\\.0\\.0\\.1:8082 .*\n", "")
                .replaceAll("(?m)^(\\s*)server 127\\.0\\.0\\.1:8081 (.*)$", nodeLines(nodePorts));
        if (roundRobin) site = site.replaceAll("(?m)^\\s*hash .*$", "");
        Path prefix = Files.createTempDirectory("fairway-nginx");
        Files.createDirectories(prefix.resolve("conf"));
        Files.createDirectories(prefix.resolve("logs"));
        Files.writeString(prefix.resolve("conf/fairway.conf"), site);
        boolean root = "root".equals(System.getProperty("user.name"));
        String main = (root ? "user root;\n" : "") // else workers would drop to nobody, who cannot read the prefix
                + "worker_processes 1;\n"
                + "daemon off;\n"
                + "pid " + prefix.resolve("nginx.pid") + ";\n"
                + "error_log " + prefix.resolve("logs/error.log") + " warn;\n"
                + "events { worker_connections 512; }\n"
                + "http {\n"
                + "  access_log " + prefix.resolve("logs/access.log") + ";\n"
                + "  client_body_temp_path " + prefix.resolve("body") + ";\n"
                + "  proxy_temp_path " + prefix.resolve("proxy") + ";\n"
                + "  fastcgi_temp_path " + prefix.resolve("fastcgi") + ";\n"
                + "  uwsgi_temp_path " + prefix.resolve("uwsgi") + ";\n"
                + "  scgi_temp_path " + prefix.resolve("scgi") + ";\n"
                + "  include " + prefix.resolve("conf/fairway.conf") + ";\n"
                + "}\n";
        Files.writeString(prefix.resolve("conf/nginx.conf"), main);
        Process p = new ProcessBuilder(
                        NGINX.toString(),
                        "-p",
                        prefix.toString(),
                        "-e",
                        prefix.resolve("logs/error.log").toString(),
                        "-c",
                        prefix.resolve("conf/nginx.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(prefix.resolve("logs/stdout.log").toFile())
                .start();
        NginxProxy proxy = new NginxProxy(p, prefix, port);
        proxy.awaitListening();
        return proxy;
    }

    /** The shipped example's first server line, once per node. */
    private static String nodeLines(List<Integer> ports) {
        StringBuilder lines = new StringBuilder();
        for (int p : ports) lines.append(lines.isEmpty() ? "" : "\n").append("$1server 127.0.0.1:" + p + " $2");
        return lines.toString();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) break;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        close();
        throw new IllegalStateException("nginx did not start:\n" + Files.readString(prefix.resolve("logs/error.log")));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** SIGTERM: nginx's fast shutdown. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (Stream<Path> files = Files.walk(prefix)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
