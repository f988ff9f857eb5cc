package dev.fairway.gateway.conversations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.EngineBrake;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.TestStore;
import dev.fairway.gateway.store.UserAdmin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Overlapping turns: serialized per conversation, independent across conversations, never a false 404. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentTurnsTest {
    final TestStore store = newStore();
    private final ExecutorService pool = Executors.newFixedThreadPool(24);
    private Gateway gateway;
    private Http alice;
    private String aliceKey;
    private String bobKey;

    @BeforeAll
    void start() throws Exception {
        aliceKey = store.addUser("alice");
        bobKey = store.addUser("bob");
        gateway = TestGateway.start(store.config());
        alice = new Http(gateway.baseUrl(), aliceKey);
    }

    /** SQLite here; {@link ConcurrentTurnsOnPostgresTest} runs every test on a shared PostgreSQL store. */
    TestStore newStore() {
        return TestStore.sqlite();
    }

    @AfterAll
    void stop() {
        pool.shutdownNow();
        gateway.close();
    }

    private String create(Http who) {
        Http.Response r = who.post("/v1/conversations", "{}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("id").asText();
    }

    /** One turn; returns the reply text the client saw (streamed or not). */
    private String turn(Http who, String id, String content, boolean stream) {
        String body = "{\"content\":\"" + content + "\",\"max_tokens\":5,\"stream\":" + stream + "}";
        if (!stream) {
            Http.Response r = who.post("/v1/conversations/" + id + "/messages", body);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            return r.json().get("choices").get(0).get("message").get("content").asText();
        }
        StringBuilder text = new StringBuilder();
        List<String> data = who.stream("/v1/conversations/" + id + "/messages", body);
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        for (String d : data.subList(0, data.size() - 1)) {
            for (JsonNode c : Http.parse(d).get("choices"))
                text.append(c.path("delta").path("content").asText(""));
        }
        return text.toString();
    }

    @Test
    void twoClientsOnOneConversationTakeTurnsAndHistoryNeverInterleaves() throws Exception {
        String id = create(alice);
        List<String[]> exchanges = new ArrayList<>(); // user content, reply the client saw
        for (int round = 0; round < 8; round++) {
            String a = "a" + round;
            String b = "b" + round;
            var first = CompletableFuture.supplyAsync(() -> turn(alice, id, a, true), pool);
            var second = CompletableFuture.supplyAsync(() -> turn(alice, id, b, false), pool);
            exchanges.add(new String[] {a, first.get(60, TimeUnit.SECONDS)});
            exchanges.add(new String[] {b, second.get(60, TimeUnit.SECONDS)});
        }
        JsonNode messages =
                alice.get("/v1/conversations/" + id + "/messages").json().get("data");
        assertThat(messages).hasSize(32);
        for (int i = 0; i < messages.size(); i += 2) {
            assertThat(messages.get(i).get("role").asText()).isEqualTo("user");
            assertThat(messages.get(i + 1).get("role").asText()).isEqualTo("assistant");
            String user = messages.get(i).get("content").asText();
            String reply = exchanges.stream()
                    .filter(e -> e[0].equals(user))
                    .findFirst()
                    .orElseThrow()[1];
            assertThat(messages.get(i + 1).get("content").asText())
                    .as("the reply stored after " + user)
                    .isEqualTo(reply);
            assertThat(messages.get(i + 1).get("status").asText()).isEqualTo("completed");
        }
    }

    @Test
    void concurrentTurnsInDifferentConversationsNeverSeeAFalse404() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) ids.add(create(alice));
        List<CompletableFuture<String>> turns = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            boolean stream = i % 2 == 0;
            turns.add(CompletableFuture.supplyAsync(() -> turn(alice, id, "hello", stream), pool));
            turns.add(CompletableFuture.supplyAsync(
                    () -> alice.get("/v1/conversations/" + id).status() + "", pool));
        }
        for (CompletableFuture<String> t : turns) t.get(60, TimeUnit.SECONDS); // turn() asserts 200; GETs checked below
        for (int i = 1; i < turns.size(); i += 2) assertThat(turns.get(i).get()).isEqualTo("200");
        for (String id : ids)
            assertThat(alice.get("/v1/conversations/" + id + "/messages").json().get("data"))
                    .hasSize(2);
    }

    @Test
    void turnsBeyondTheWaitingLimitGet409() throws Exception {
        String id = create(alice);
        List<CompletableFuture<Http.Response>> queued = new ArrayList<>();
        CompletableFuture<List<String>> longTurn;
        // braked, the long turn runs until every queued turn has arrived, however slowly they come (unbraked, a slow
        // client could see it end first and fewer than two turns refused)
        try (EngineBrake brake = EngineBrake.on(gateway)) {
            longTurn = CompletableFuture.supplyAsync(
                    () -> alice.stream(
                            "/v1/conversations/" + id + "/messages",
                            "{\"content\":\"Once\",\"max_tokens\":400,\"ignore_eos\":true,\"stream\":true}"),
                    pool);
            waitUntil(() -> messages(id) == 1); // the long turn runs: its user message is stored
            for (int i = 0; i < TurnQueue.MAX_WAITING + 2; i++) {
                queued.add(CompletableFuture.supplyAsync(
                        () -> alice.post(
                                "/v1/conversations/" + id + "/messages", "{\"content\":\"q\",\"max_tokens\":1}"),
                        pool));
            }
            waitUntil(() -> queued.stream().filter(CompletableFuture::isDone).count() >= 2); // the refused ones
            assertThat(longTurn).isNotDone();
        }
        int conflicts = 0;
        for (var q : queued) {
            Http.Response r = q.get(60, TimeUnit.SECONDS);
            if (r.status() == 409) {
                conflicts++;
                assertThat(r.json().get("error").get("code").asText()).isEqualTo("conversation_busy");
            } else {
                assertThat(r.status()).as(r.body()).isEqualTo(200);
            }
        }
        assertThat(longTurn.get(60, TimeUnit.SECONDS)).last().isEqualTo("[DONE]");
        assertThat(conflicts).isEqualTo(2);
        assertThat(messages(id)).isEqualTo(2 + 2 * TurnQueue.MAX_WAITING);
    }

    @Test
    void turnsWhoseClientsGaveUpDoNotCountAsWaiting() throws Exception {
        HttpClient impatient = HttpClient.newHttpClient();
        String id = create(alice);
        CompletableFuture<List<String>> longTurn;
        CompletableFuture<Http.Response> patient;
        // braked, the long turn runs while the queue fills, its clients give up, and the patient turn arrives,
        // whatever the machine's speed
        try (EngineBrake brake = EngineBrake.on(gateway)) {
            longTurn = CompletableFuture.supplyAsync(
                    () -> alice.stream(
                            "/v1/conversations/" + id + "/messages",
                            "{\"content\":\"Once\",\"max_tokens\":480,\"ignore_eos\":true,\"stream\":true}"),
                    pool);
            waitUntil(() -> messages(id) == 1);
            List<CompletableFuture<HttpResponse<String>>> gaveUp = new ArrayList<>();
            for (int i = 0;
                    i < TurnQueue.MAX_WAITING;
                    i++) { // they fill the queue, then time out and close their connections
                gaveUp.add(impatient.sendAsync(
                        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/conversations/" + id + "/messages"))
                                .header("Authorization", "Bearer " + aliceKey)
                                .header("Content-Type", "application/json")
                                .timeout(Duration.ofMillis(100))
                                .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"gone\",\"max_tokens\":1}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (var g : gaveUp) g.handle((r, e) -> null).get(60, TimeUnit.SECONDS);
            assertThat(gaveUp).allMatch(CompletableFuture::isCompletedExceptionally);
            patient = CompletableFuture.supplyAsync(
                    () -> alice.post(
                            "/v1/conversations/" + id + "/messages", "{\"content\":\"still here\",\"max_tokens\":1}"),
                    pool);
            // counted as waiting, the given-up turns would fill the queue and the patient one would be refused at
            // once; queued, it waits for the long turn
            try {
                Http.Response early = patient.get(2, TimeUnit.SECONDS);
                throw new AssertionError("answered while the long turn ran: " + early.status() + " " + early.body());
            } catch (TimeoutException queuedBehindTheLongTurn) {
                assertThat(longTurn).isNotDone();
            }
        }
        Http.Response answered = patient.get(60, TimeUnit.SECONDS);
        assertThat(answered.status()).as(answered.body()).isEqualTo(200);
        assertThat(longTurn.get(60, TimeUnit.SECONDS)).last().isEqualTo("[DONE]");
        JsonNode stored =
                alice.get("/v1/conversations/" + id + "/messages").json().get("data");
        for (JsonNode m : stored) assertThat(m.get("content").asText()).isNotEqualTo("gone"); // none of them ran
        assertThat(stored).hasSize(4);
    }

    @Test
    void removingAUserUnderLoadTakesEffectOnTheNextRequest() throws Exception {
        UserAdmin admin = store.admin();
        Http bob = new Http(gateway.baseUrl(), bobKey);
        String id = create(bob);
        AtomicBoolean loading = new AtomicBoolean(true);
        List<CompletableFuture<Void>> load = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int n = i;
            load.add(CompletableFuture.runAsync(
                    () -> {
                        while (loading.get()) {
                            bob.post("/v1/conversations/" + id + "/messages", "{\"content\":\"x\",\"max_tokens\":2}");
                            bob.method("PATCH", "/v1/conversations/" + id, "{\"title\":\"t" + n + "\"}");
                            bob.post("/v1/conversations", "{\"title\":\"more\"}");
                        }
                    },
                    pool));
        }
        Thread.sleep(1500);
        // the removal commits while the server writes (it would throw after the store's busy timeout)
        assertThat(admin.remove("bob")).isTrue();
        long removed = System.nanoTime();
        // SQLite: the very next request; a shared store: within its refresh period. Timed from when each probe is
        // sent: a loaded machine may answer a probe the server checked in time only later.
        while (true) {
            long sent = System.nanoTime();
            if (bob.get("/v1/models").status() == 401) break;
            assertThat(Duration.ofNanos(sent - removed))
                    .as("a probe sent this long after the removal was still let in")
                    .isLessThanOrEqualTo(store.revocationDelay());
            Thread.sleep(20);
        }
        loading.set(false);
        for (var l : load) l.get(60, TimeUnit.SECONDS);
        assertNothingHeld();
    }

    /**
     * Once the requests are answered, an outside writer gets the write lock: no transaction was left open. Tried
     * without waiting on the lock, and again while the server may still finish a write it answered before.
     */
    void assertNothingHeld() throws Exception {
        var sqlite = (TestStore.Sqlite) store;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.file());
                var s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 0");
            while (true) {
                try {
                    s.execute("BEGIN IMMEDIATE");
                    s.execute("COMMIT");
                    return;
                } catch (java.sql.SQLException busy) {
                    if (System.nanoTime() > deadline) throw busy;
                    Thread.sleep(20);
                }
            }
        }
    }

    private int messages(String id) {
        return alice.get("/v1/conversations/" + id + "/messages")
                .json()
                .get("data")
                .size();
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(condition.getAsBoolean()).isTrue();
    }
}
