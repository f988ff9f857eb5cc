package dev.fairway.bench.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * Failure paths only: nothing listening, 4xx, streams cut before [DONE], stalls. The in-test servers never
 * produce a successful completion; success is tested against the real gateway (GatewayLoadTest).
 */
@Timeout(60)
class LoadgenErrorPathTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;
    private ExecutorService serverThreads;

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
        if (serverThreads != null) serverThreads.shutdownNow();
    }

    private URI serve(HttpHandler chat) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverThreads = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(serverThreads);
        server.createContext("/v1/chat/completions", chat);
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static LoadConfig config(
            URI base, int concurrency, Integer requests, Duration duration, Duration timeout, Double rate) {
        return new LoadConfig(
                base,
                "m",
                List.of(new SimUser("u", "k", concurrency)),
                rate,
                PromptSource.ofTokens("8", 1),
                8,
                true,
                null,
                0,
                requests,
                duration,
                timeout,
                1);
    }

    private static LoadReport run(LoadConfig cfg) throws InterruptedException {
        LoadReport r = new LoadRunner(cfg, System.err).run(false).report();
        assertThat(ReportRenderer.table(r)).contains("Errors");
        assertThat(ReportRenderer.json(r)).startsWith("{").endsWith("}");
        return r;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sse(HttpExchange ex, String... events) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        for (String e : events) {
            out.write(("data: " + e + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static String chunk(String text) {
        return "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}";
    }

    @Test
    void nothingListeningCountsConnectRefused() throws Exception {
        URI base = URI.create("http://127.0.0.1:" + freePort());
        LoadReport r = run(config(base, 2, 6, null, Duration.ofSeconds(30), null));
        assertThat(r.requests()).isEqualTo(6);
        assertThat(r.completed()).isZero();
        assertThat(r.errors()).isEqualTo(Map.of(RequestRecord.CONNECT_REFUSED, 6));
    }

    @Test
    void http4xxCountedByStatus() throws Exception {
        URI base = serve(ex -> {
            byte[] b = "{\"error\":{\"message\":\"bad key\"}}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(401, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        LoadReport r = run(config(base, 3, 9, null, Duration.ofSeconds(30), null));
        assertThat(r.errors()).isEqualTo(Map.of("http_401", 9));
        assertThat(r.errorExamples().get("http_401")).contains("bad key");
        assertThat(r.users().get(0).failed()).isEqualTo(9);
    }

    @Test
    void streamEndingWithoutDoneIsStreamCut() throws Exception {
        URI base = serve(ex -> {
            sse(ex, chunk("a"), chunk("b"));
            ex.close(); // clean end of body, but no [DONE]
        });
        LoadRunner.Result res =
                new LoadRunner(config(base, 2, 4, null, Duration.ofSeconds(30), null), System.err).run(false);
        assertThat(res.report().errors()).isEqualTo(Map.of(RequestRecord.STREAM_CUT, 4));
        assertThat(res.records()).allSatisfy(rec -> {
            assertThat(rec.contentChunks()).isEqualTo(2);
            assertThat(rec.ttftNanos()).isPositive();
        });
        assertThat(res.report().outputTokens()).isZero(); // failed requests do not count as output
    }

    @Test
    void connectionDroppedMidStreamIsStreamCut() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                while (!ss.isClosed()) {
                    try (Socket s = ss.accept()) {
                        s.getInputStream().read(new byte[65536]);
                        OutputStream out = s.getOutputStream();
                        out.write(
                                ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 100000\r\n\r\n"
                                                + "data: " + chunk("x") + "\n\n")
                                        .getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    } catch (IOException ignored) {
                        // socket closed: the client sees a truncated body
                    }
                }
            });
            URI base = URI.create("http://127.0.0.1:" + ss.getLocalPort());
            LoadReport r = run(config(base, 1, 3, null, Duration.ofSeconds(30), null));
            assertThat(r.errors()).isEqualTo(Map.of(RequestRecord.STREAM_CUT, 3));
            ss.close();
            acceptor.join(5000);
        }
    }

    @Test
    void stalledStreamTimesOut() throws Exception {
        URI base = serve(ex -> {
            sse(ex, chunk("a"));
            try {
                Thread.sleep(20_000);
            } catch (InterruptedException ignored) {
                // server stopping
            }
            ex.close();
        });
        long t0 = System.nanoTime();
        LoadReport r = run(config(base, 2, 2, null, Duration.ofMillis(700), null));
        assertThat(r.errors()).isEqualTo(Map.of(RequestRecord.TIMEOUT, 2));
        // well under the server's 20 s stall, with room for a loaded machine
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(15);
    }

    @Test
    void errorEventInStreamIsCounted() throws Exception {
        URI base = serve(ex -> {
            sse(ex, chunk("a"), "{\"error\":{\"message\":\"engine overloaded\"}}");
            ex.close();
        });
        LoadReport r = run(config(base, 1, 2, null, Duration.ofSeconds(30), null));
        assertThat(r.errors()).isEqualTo(Map.of(RequestRecord.STREAM_ERROR, 2));
        assertThat(r.errorExamples().get(RequestRecord.STREAM_ERROR)).isEqualTo("engine overloaded");
    }

    @Test
    void durationBoundsTheRunAndRateModeStops() throws Exception {
        URI base = serve(ex -> {
            ex.sendResponseHeaders(429, -1);
            ex.close();
        });
        long t0 = System.nanoTime();
        LoadReport byTime = run(config(base, 2, null, Duration.ofMillis(500), Duration.ofSeconds(30), null));
        // unbounded, the run would not end at all (no request count); a loaded machine may take a while to stop
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(30);
        assertThat(byTime.requests()).isPositive();
        assertThat(byTime.errors()).containsOnlyKeys("http_429");

        LoadReport byRate = run(config(base, 4, 20, null, Duration.ofSeconds(30), 100.0));
        assertThat(byRate.requests()).isEqualTo(20);
        assertThat(byRate.errors()).isEqualTo(Map.of("http_429", 20));
        assertThat(byRate.load()).startsWith("poisson 100.0 req/s");
    }

    @Test
    void commandPrintsJsonAndExitCodes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        int port = freePort();
        java.nio.file.Path jsonFile = dir.resolve("r.json");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = new CommandLine(new ServeBenchCommand())
                    .execute(
                            "--base-url",
                            "http://127.0.0.1:" + port,
                            "--model",
                            "m",
                            "--requests",
                            "3",
                            "--json",
                            "--user",
                            "a:k1:1",
                            "--user",
                            "b:k2:2",
                            "--json-file",
                            jsonFile.toString());
        } finally {
            System.setOut(old);
        }
        assertThat(code).isEqualTo(1); // every request failed, but a report was printed
        JsonNode j = JSON.readTree(buf.toString(StandardCharsets.UTF_8));
        assertThat(j.path("errors").path("connect_refused").asInt()).isEqualTo(3);
        assertThat(j.path("users")).hasSize(2);
        assertThat(j.has("ttft_ms") && j.has("itl_ms") && j.has("e2e_ms") && j.has("jain_fairness"))
                .isTrue();
        assertThat(j.path("concurrency").asInt()).isEqualTo(3);
        assertThat(JSON.readTree(jsonFile.toFile())).isEqualTo(j);

        assertThat(new CommandLine(new ServeBenchCommand()).execute("--base-url", "http://10.1.2.3:8000"))
                .isEqualTo(2);
        assertThat(new CommandLine(new ServeBenchCommand())
                        .execute("--base-url", "http://127.0.0.1:1", "--prompts", "x.jsonl", "--prompt-tokens", "5"))
                .isEqualTo(2);
    }
}
