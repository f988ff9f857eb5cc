package dev.fairway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Clients creating, renaming, deleting and talking in conversations at once while the server is stopped with
 * SIGTERM or kill -9 now and then; after every stop the database file is compared with everything the clients were
 * told. Size: -Dfairway.soak.ops (default 2000), .concurrency (32), .restarts (5).
 */
class ConversationSoakTest {
    private static final int OPS = Integer.getInteger("fairway.soak.ops", 2000);
    private static final int CONCURRENCY = Integer.getInteger("fairway.soak.concurrency", 32);
    private static final int RESTARTS = Integer.getInteger("fairway.soak.restarts", 5);

    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AckLedger ledger = new AckLedger();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger falseNotFound = new AtomicInteger();
    private final AtomicInteger ok = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final java.util.Map<String, AtomicInteger> failures = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean up;
    private volatile String base;

    @Test
    void noAcknowledgedWriteIsLostAcrossStopsAndCrashes() throws Exception {
        Path db = TestGateway.tempDb();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Random random = new Random(42);
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
        List<Future<?>> workers = new ArrayList<>();
        int stops = 0;
        int totalAcked = 0;
        ServerProcess server = ServerProcess.start(db, "--port", String.valueOf(port));
        try {
            base = server.baseUrl();
            up = true;
            for (int i = 0; i < CONCURRENCY; i++) {
                long seed = random.nextLong();
                workers.add(pool.submit(() -> work(new Random(seed))));
            }
            for (int r = 1; r <= RESTARTS; r++) {
                int at = OPS * r / (RESTARTS + 1);
                while (next.get() < at) Thread.sleep(20);
                boolean graceful = r % 2 == 1;
                up = false; // workers finish what they sent (or see it fail) and park
                if (graceful) {
                    assertThat(server.sigterm(60)).isEqualTo(143);
                    assertThat(server.output()).contains("fairway serve: stopped");
                } else {
                    ledger.killing();
                    server.kill9();
                }
                while (inFlight.get() > 0) Thread.sleep(10);
                stops++;
                AckLedger.Report report = ledger.check(db, graceful);
                System.out.printf(
                        "soak stop %d (%s) after %d ops: %d acknowledged writes so far, %d missing%n",
                        r, graceful ? "SIGTERM" : "kill -9", next.get(), report.acknowledged(), report.missing());
                assertThat(report.problems())
                        .as("after " + (graceful ? "SIGTERM" : "kill -9"))
                        .isEmpty();
                server = ServerProcess.start(db, "--port", String.valueOf(port));
                base = server.baseUrl();
                up = true;
            }
            for (Future<?> w : workers) w.get();
            up = false;
            assertThat(server.sigterm(60)).isEqualTo(143);
            AckLedger.Report last = ledger.check(db, true);
            totalAcked = last.acknowledged();
            System.out.printf(
                    "soak: %d operations at concurrency %d, %d stops: %d answered, %d failed (server down or busy), "
                            + "%d acknowledged writes, %d missing; failures: %s%n",
                    OPS, CONCURRENCY, stops + 1, ok.get(), failed.get(), totalAcked, last.missing(), failures);
            assertThat(last.problems()).isEmpty();
        } finally {
            pool.shutdownNow();
            server.close();
        }
        assertThat(falseNotFound.get()).as("404 for a conversation that exists").isZero();
        assertThat(totalAcked).isGreaterThan(OPS / 3);
    }

    private Void work(Random random) throws InterruptedException {
        int op;
        while ((op = next.getAndIncrement()) < OPS) {
            while (!up) Thread.sleep(5);
            inFlight.incrementAndGet();
            try {
                if (!up) continue; // a stop began between the check and the increment
                boolean answered = step(op, random);
                (answered ? ok : failed).incrementAndGet();
            } catch (IOException e) {
                failed.incrementAndGet(); // the server went away mid-request: not acknowledged
                failures.computeIfAbsent("connection lost", k -> new AtomicInteger())
                        .incrementAndGet();
            } finally {
                inFlight.decrementAndGet();
            }
        }
        return null;
    }

    private boolean step(int op, Random random) throws IOException, InterruptedException {
        List<String> live = ledger.live();
        int dice = random.nextInt(100);
        if (live.isEmpty() || dice < 20) return create(op, random);
        String id = live.get(random.nextInt(live.size()));
        if (dice < 35) return rename(op, id);
        if (dice < 42) return delete(id);
        if (dice < 50) return read(id);
        return random.nextBoolean() ? streamTurn(op, id, random) : jsonTurn(op, id, random);
    }

    private boolean create(int op, Random random) throws IOException, InterruptedException {
        String title = "t" + op;
        boolean withItems = random.nextInt(4) == 0;
        String items = withItems
                ? ",\"items\":[{\"role\":\"user\",\"content\":\"item" + op
                        + "\"},{\"role\":\"assistant\",\"content\":\"Once upon a time\"}]"
                : "";
        long sent = System.nanoTime();
        HttpResponse<String> r = send("POST", "/v1/conversations", "{\"title\":\"" + title + "\"" + items + "}");
        if (r.statusCode() != 200) return false;
        ledger.created(
                Http.parse(r.body()).get("id").asText(), title, sent, withItems ? List.of("item" + op) : List.of());
        return true;
    }

    private boolean rename(int op, String id) throws IOException, InterruptedException {
        String title = "r" + op;
        ledger.renaming(id, title);
        HttpResponse<String> r = send("PATCH", "/v1/conversations/" + id, "{\"title\":\"" + title + "\"}");
        notFoundCheck(id, r);
        if (r.statusCode() != 200) return false;
        ledger.renamed(id, title);
        return true;
    }

    private boolean delete(String id) throws IOException, InterruptedException {
        ledger.deleting(id);
        HttpResponse<String> r = send("DELETE", "/v1/conversations/" + id, null);
        if (r.statusCode() != 200) return false;
        ledger.deleted(id);
        return true;
    }

    private boolean read(String id) throws IOException, InterruptedException {
        HttpResponse<String> r = send("GET", "/v1/conversations/" + id, null);
        notFoundCheck(id, r);
        return r.statusCode() == 200;
    }

    private boolean jsonTurn(int op, String id, Random random) throws IOException, InterruptedException {
        String content = "u" + op;
        AckLedger.Turn turn = ledger.turn(id, content);
        HttpResponse<String> r =
                send("POST", "/v1/conversations/" + id + "/messages", turnBody(content, random, false));
        notFoundCheck(id, r);
        if (r.statusCode() != 200) return false;
        JsonNode answer = Http.parse(r.body());
        ledger.replyAcked(
                turn, answer.get("choices").get(0).get("message").get("content").asText());
        return true;
    }

    /** The first streamed byte acknowledges the user's message; [DONE] after a finish chunk, the reply. */
    private boolean streamTurn(int op, String id, Random random) throws IOException, InterruptedException {
        String content = "u" + op;
        AckLedger.Turn turn = ledger.turn(id, content);
        HttpResponse<InputStream> r = client.send(
                request("POST", "/v1/conversations/" + id + "/messages", turnBody(content, random, true)),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            if (r.statusCode() != 200) {
                String body = lines.lines().reduce("", String::concat);
                failed(r.statusCode(), body);
                if (r.statusCode() == 404) notFoundCheck(id, body);
                return false;
            }
            StringBuilder reply = new StringBuilder();
            boolean finished = false;
            String line;
            while ((line = lines.readLine()) != null) {
                if (!line.startsWith("data: ")) continue;
                ledger.userAcked(turn);
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    if (finished) ledger.replyAcked(turn, reply.toString());
                    return finished;
                }
                JsonNode chunk = Http.parse(data);
                if (chunk.has("error")) {
                    failed(200, data);
                    return false;
                }
                for (JsonNode c : chunk.get("choices")) {
                    reply.append(c.path("delta").path("content").asText(""));
                    if (c.hasNonNull("finish_reason")) finished = true;
                }
            }
            return false;
        }
    }

    private static String turnBody(String content, Random random, boolean stream) {
        return "{\"content\":\"" + content + "\",\"max_tokens\":" + (1 + random.nextInt(24)) + ",\"stream\":" + stream
                + "}";
    }

    private void notFoundCheck(String id, HttpResponse<String> r) {
        if (r.statusCode() == 404) notFoundCheck(id, r.body());
    }

    private void notFoundCheck(String id, String body) {
        if (!ledger.mayBeDeleted(id)) {
            falseNotFound.incrementAndGet();
            System.out.println("false 404 for " + id + ": " + body);
        }
    }

    private HttpResponse<String> send(String method, String path, String body)
            throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(request(method, path, body), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) failed(r.statusCode(), r.body());
        return r;
    }

    private void failed(int status, String body) {
        String code = status + " " + Http.parse(body).path("error").path("code").asText("?");
        failures.computeIfAbsent(code, k -> new AtomicInteger()).incrementAndGet();
    }

    private HttpRequest request(String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }
}
