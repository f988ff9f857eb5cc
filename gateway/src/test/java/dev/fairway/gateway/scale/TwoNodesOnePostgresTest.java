package dev.fairway.gateway.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.TestStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Two gateways on one PostgreSQL store: shared history, shared users, turns serialized across the nodes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoNodesOnePostgresTest {
    private final ExecutorService clients = Executors.newFixedThreadPool(8);
    private TestStore store;
    private Gateway one;
    private Gateway two;
    private String aliceKey;

    @BeforeAll
    void start() throws Exception {
        store = TestStore.postgres();
        aliceKey = store.addUser("alice");
        one = TestGateway.start(store.config());
        two = TestGateway.start(store.config());
    }

    @AfterAll
    void stop() {
        clients.shutdownNow();
        one.close();
        two.close();
    }

    private static String create(Http node) {
        Http.Response r = node.post("/v1/conversations", "{\"title\":\"shared\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("id").asText();
    }

    private static Http.Response turn(Http node, String id, String content) {
        return node.post(
                "/v1/conversations/" + id + "/messages",
                "{\"content\":\"" + content + "\",\"max_tokens\":4,\"temperature\":0}");
    }

    private static JsonNode messages(Http node, String id) {
        return node.get("/v1/conversations/" + id + "/messages").json().get("data");
    }

    @Test
    void aConversationStartedOnOneNodeContinuesOnTheOther() {
        Http a = new Http(one.baseUrl(), aliceKey);
        Http b = new Http(two.baseUrl(), aliceKey);
        String id = create(a);
        Http.Response first = turn(a, id, "Once upon a time");
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        String reply =
                first.json().get("choices").get(0).get("message").get("content").asText();
        assertThat(b.get("/v1/conversations/" + id).status()).isEqualTo(200);
        Http.Response second = turn(b, id, "Then what");
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        // node two prompted with node one's history: the prompt holds both user turns and the first reply
        assertThat(second.json().get("usage").get("prompt_tokens").asInt())
                .isGreaterThan(first.json().get("usage").get("prompt_tokens").asInt()
                        + first.json().get("usage").get("completion_tokens").asInt());
        JsonNode history = messages(a, id);
        assertThat(history).hasSize(4);
        assertThat(history.get(0).get("content").asText()).isEqualTo("Once upon a time");
        assertThat(history.get(1).get("content").asText()).isEqualTo(reply);
        assertThat(history.get(2).get("content").asText()).isEqualTo("Then what");
        assertThat(messages(b, id)).isEqualTo(history);
    }

    @Test
    void aUserRemovedOrAddedIsSeenByEveryNodeWithinTwoSeconds() throws Exception {
        String key = store.addUser("bob");
        Http a = new Http(one.baseUrl(), key);
        Http b = new Http(two.baseUrl(), key);
        waitFor(() -> a.get("/v1/models").status() == 200 && b.get("/v1/models").status() == 200);
        assertThat(store.admin().remove("bob")).isTrue();
        long removed = System.nanoTime();
        // timed from when each probe is sent: a loaded machine may answer a probe the node checked in time only later
        for (Http node : List.of(a, b)) {
            while (true) {
                long sent = System.nanoTime();
                if (node.get("/v1/models").status() == 401) break;
                assertThat(Duration.ofNanos(sent - removed))
                        .as("a probe sent this long after the removal was still let in")
                        .isLessThan(Duration.ofSeconds(2));
                Thread.sleep(20);
            }
        }
    }

    /** Turns sent at once through both nodes: every acknowledged one stored, and the history strictly alternates. */
    @Test
    void concurrentTurnsThroughBothNodesAreSerialized() throws Exception {
        Http a = new Http(one.baseUrl(), aliceKey);
        Http b = new Http(two.baseUrl(), aliceKey);
        String id = create(a);
        List<CompletableFuture<Http.Response>> sent = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Http node = i % 2 == 0 ? a : b;
            String content = "turn " + i;
            sent.add(CompletableFuture.supplyAsync(() -> turn(node, id, content), clients));
        }
        List<String> acknowledged = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            Http.Response r = sent.get(i).get(120, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            acknowledged.add("turn " + i);
        }
        JsonNode history = messages(b, id);
        assertThat(history).hasSize(2 * acknowledged.size());
        List<String> users = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            assertThat(history.get(i).get("role").asText())
                    .as("message " + i)
                    .isEqualTo(i % 2 == 0 ? "user" : "assistant");
            assertThat(history.get(i).get("status").asText()).isEqualTo("completed");
            if (i % 2 == 0) users.add(history.get(i).get("content").asText());
        }
        assertThat(users).containsExactlyInAnyOrderElementsOf(acknowledged);
    }

    /**
     * Responses API turns on one conversation sent at once through both nodes take the same cross-node turn lock:
     * each turn's prompt holds every turn stored before it, so in the order of the history the prompts grow strictly
     * (two turns reading the same history would have prompts of equal length).
     */
    @Test
    void concurrentResponsesTurnsOnOneConversationThroughBothNodesAreSerialized() throws Exception {
        Http a = new Http(one.baseUrl(), aliceKey);
        Http b = new Http(two.baseUrl(), aliceKey);
        String id = create(a);
        List<CompletableFuture<Http.Response>> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Http node = i % 2 == 0 ? a : b;
            String body = "{\"input\":\"turn " + i + "\",\"conversation\":\"" + id
                    + "\",\"max_output_tokens\":4,\"temperature\":0}";
            sent.add(CompletableFuture.supplyAsync(() -> node.post("/v1/responses", body), clients));
        }
        java.util.Map<String, Integer> inputTokensByTurn = new java.util.HashMap<>();
        for (int i = 0; i < sent.size(); i++) {
            Http.Response r = sent.get(i).get(120, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            inputTokensByTurn.put(
                    "turn " + i, r.json().at("/usage/input_tokens").asInt());
        }
        JsonNode history = messages(b, id);
        assertThat(history).hasSize(2 * sent.size());
        int previous = -1;
        for (int i = 0; i < history.size(); i += 2) {
            assertThat(history.get(i).get("role").asText()).isEqualTo("user");
            assertThat(history.get(i + 1).get("role").asText()).isEqualTo("assistant");
            int prompt = inputTokensByTurn.get(history.get(i).get("content").asText());
            assertThat(prompt).as("prompt of the turn stored at " + i).isGreaterThan(previous);
            previous = prompt;
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 60 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
