package dev.fairway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SIGTERM while 8 replies stream: each client sees a proper ending and [DONE], and every reply is stored. */
class GracefulShutdownTest {
    private static final int STREAMS = 8;
    private final HttpClient client = HttpClient.newHttpClient();

    /** What one streaming client saw: its data payloads, in order. */
    private record Seen(String conversation, List<String> data) {
        String last() {
            return data.get(data.size() - 1);
        }

        JsonNode beforeLast() {
            return Http.parse(data.get(data.size() - 2));
        }
    }

    @Test
    void runningStreamsFinishWithinTheDrainPeriod() throws Exception {
        Path db = TestGateway.tempDb();
        List<Seen> seen;
        // one stream decodes at a time: the others queue behind it, so the server is still busy when the signal
        // lands however fast the machine; the drain period is only a bound, far above the ~8 s of work
        try (ServerProcess server = ServerProcess.start(db, "--drain-seconds", "600", "--max-running", "1")) {
            List<CompletableFuture<Seen>> streams = startStreams(server.baseUrl(), 480);
            Http http = new Http(server.baseUrl());
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> sigterm(server));
            Http.Response health = awaitDraining(http);
            assertThat(health.json().get("status").asText()).isEqualTo("draining");
            Http.Response refused = http.post("/v1/conversations", "{}");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.json().get("error").get("code").asText()).isEqualTo("server_shutting_down");
            seen = join(streams);
            assertThat(exit.get(300, TimeUnit.SECONDS)).isEqualTo(143);
            assertThat(server.output()).contains("fairway serve: stopped");
        }
        for (Seen s : seen) {
            assertThat(s.last()).isEqualTo("[DONE]");
            assertThat(s.beforeLast().get("choices").get(0).get("finish_reason").asText())
                    .isEqualTo("length");
        }
        assertStored(db, seen, s -> "completed");
    }

    @Test
    void streamsCutAtTheEndOfTheDrainEndWithAnErrorEventAndAreStoredAsPartial() throws Exception {
        Path db = TestGateway.tempDb();
        List<Seen> seen;
        // one stream decodes at a time, ~1 s each: the first may finish before the signal lands on a slow machine,
        // the ones queued behind it cannot
        try (ServerProcess server = ServerProcess.start(db, "--drain-seconds", "0", "--max-running", "1")) {
            List<CompletableFuture<Seen>> streams = startStreams(server.baseUrl(), 480);
            assertThat(server.sigterm(60)).isEqualTo(143);
            seen = join(streams);
            assertThat(server.output()).contains("fairway serve: stopped");
        }
        int cut = 0;
        for (Seen s : seen) {
            assertThat(s.last()).isEqualTo("[DONE]");
            if (wasCut(s)) {
                cut++;
                assertThat(s.beforeLast().get("error").get("code").asText()).isEqualTo("server_shutting_down");
            } else {
                assertThat(s.beforeLast()
                                .get("choices")
                                .get(0)
                                .get("finish_reason")
                                .asText())
                        .as("a stream not cut finished before the signal")
                        .isEqualTo("length");
            }
        }
        assertThat(cut).as("streams cut").isGreaterThanOrEqualTo(STREAMS / 2);
        assertStored(db, seen, s -> wasCut(s) ? "partial" : "completed");
    }

    private static boolean wasCut(Seen s) {
        return s.data().size() >= 2 && s.beforeLast().has("error");
    }

    /** Opens the streams and returns once every one of them has its first event (its user message is stored). */
    private List<CompletableFuture<Seen>> startStreams(String base, int maxTokens) throws Exception {
        Http http = new Http(base);
        CountDownLatch started = new CountDownLatch(STREAMS);
        List<CompletableFuture<Seen>> streams = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            String id = http.post("/v1/conversations", "{\"title\":\"s" + i + "\"}")
                    .json()
                    .get("id")
                    .asText();
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/conversations/" + id + "/messages"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"Once upon a time\",\"stream\":true,"
                            + "\"ignore_eos\":true,\"max_tokens\":" + maxTokens + "}"))
                    .header("Content-Type", "application/json")
                    .build();
            streams.add(CompletableFuture.supplyAsync(() -> read(id, request, started)));
        }
        assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
        return streams;
    }

    private Seen read(String id, HttpRequest request, CountDownLatch started) {
        List<String> data = new ArrayList<>();
        try {
            HttpResponse<java.io.InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (!line.startsWith("data: ")) continue;
                    if (data.isEmpty()) started.countDown();
                    data.add(line.substring(6));
                }
            }
        } catch (Exception e) {
            data.add("client saw: " + e);
        }
        return new Seen(id, data);
    }

    private static int sigterm(ServerProcess server) {
        try {
            return server.sigterm(300);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Http.Response awaitDraining(Http http) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Http.Response r = http.get("/health");
            if (r.status() == 503) return r;
            Thread.sleep(10);
        }
        throw new AssertionError("/health never said draining");
    }

    private static List<Seen> join(List<CompletableFuture<Seen>> streams) throws Exception {
        List<Seen> out = new ArrayList<>();
        for (CompletableFuture<Seen> s : streams) out.add(s.get(300, TimeUnit.SECONDS));
        return out;
    }

    /** Each conversation holds the user's message and then the reply the client saw, with this status. */
    private static void assertStored(Path db, List<Seen> seen, java.util.function.Function<Seen, String> status)
            throws Exception {
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            for (Seen s : seen) {
                StringBuilder streamed = new StringBuilder();
                for (String d : s.data()) {
                    JsonNode chunk = d.equals("[DONE]") ? null : Http.parse(d);
                    if (chunk != null && chunk.has("choices")) {
                        for (JsonNode ch : chunk.get("choices"))
                            streamed.append(ch.path("delta").path("content").asText(""));
                    }
                }
                var q = c.prepareStatement(
                        "SELECT role, content, status FROM messages WHERE conversation_id = ? ORDER BY seq");
                q.setString(1, s.conversation());
                var rs = q.executeQuery();
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("user");
                assertThat(rs.next())
                        .as("reply of " + s.conversation() + " stored")
                        .isTrue();
                assertThat(rs.getString(1)).isEqualTo("assistant");
                assertThat(rs.getString(2)).isEqualTo(streamed.toString());
                assertThat(rs.getString(3)).isEqualTo(status.apply(s));
                assertThat(rs.next()).isFalse();
            }
        }
    }
}
