package dev.fairway.gateway.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.TestStore;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Real nginx with the shipped deploy/nginx/fairway.conf in front of two nodes on one PostgreSQL store: a
 * conversation stays on one node (its second turn finds the first in the prefix cache), round robin shows the
 * contrast, and when a node goes down its conversations go on through the other with their history.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NginxAffinityTest {
    private static final int CONVERSATIONS = 20;
    private static final String UPSTREAM = "X-Fairway-Upstream";

    private Gateway one;
    private Gateway two;
    private String key;

    @BeforeAll
    void start() throws Exception {
        TestStore store = TestStore.postgres();
        key = store.addUser("alice");
        one = TestGateway.start(store.config());
        two = TestGateway.start(store.config());
    }

    @AfterAll
    void stop() {
        one.close();
        two.close();
    }

    private record SecondTurns(int cacheHits, long nanos, Set<String> nodes, int sameNode) {}

    /** 20 conversations, two turns each; counts second turns whose prompt came mostly from the prefix cache. */
    private SecondTurns converse(NginxProxy nginx, String tag) {
        Http http = new Http(nginx.baseUrl(), key);
        int hits = 0;
        int sameNode = 0;
        long nanos = 0;
        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < CONVERSATIONS; i++) {
            Http.Response created = http.post("/v1/conversations", "{\"title\":\"" + tag + i + "\"}");
            assertThat(created.status()).as(created.body()).isEqualTo(200);
            String path = "/v1/conversations/" + created.json().get("id").asText() + "/messages";
            // unique from the first token on: another conversation's cached blocks cannot match it
            Http.Response first = http.post(
                    path,
                    "{\"content\":\"" + tag + " " + i + " said: Once upon a time there was a little girl who "
                            + "lived in a small house near the big forest with her mother and her dog.\","
                            + "\"max_tokens\":4,\"temperature\":0}");
            assertThat(first.status()).as(first.body()).isEqualTo(200);
            long t0 = System.nanoTime();
            Http.Response second =
                    http.post(path, "{\"content\":\"What happened next?\",\"max_tokens\":1,\"temperature\":0}");
            nanos += System.nanoTime() - t0;
            assertThat(second.status()).as(second.body()).isEqualTo(200);
            int firstPrompt = first.json().get("usage").get("prompt_tokens").asInt();
            int cached = second.json()
                    .get("usage")
                    .get("prompt_tokens_details")
                    .get("cached_tokens")
                    .asInt();
            if (cached >= firstPrompt / 2) hits++;
            nodes.add(second.header(UPSTREAM));
            if (second.header(UPSTREAM).equals(first.header(UPSTREAM))) sameNode++;
        }
        return new SecondTurns(hits, nanos, nodes, sameNode);
    }

    @Test
    @Order(1)
    void affinityKeepsTheSecondTurnInThePrefixCacheRoundRobinDoesNot() throws Exception {
        SecondTurns affinity;
        try (NginxProxy nginx = NginxProxy.start(List.of(one.port(), two.port()), false)) {
            affinity = converse(nginx, "Affinity");
        }
        SecondTurns roundRobin;
        try (NginxProxy nginx = NginxProxy.start(List.of(one.port(), two.port()), true)) {
            roundRobin = converse(nginx, "RoundRobin");
        }
        System.out.printf(
                "nginx, 2 nodes, %d conversations: second turn prefix-cache hits affinity %d, round robin %d; "
                        + "mean second-turn time (1 token) affinity %.1f ms, round robin %.1f ms%n",
                CONVERSATIONS,
                affinity.cacheHits(),
                roundRobin.cacheHits(),
                affinity.nanos() / 1e6 / CONVERSATIONS,
                roundRobin.nanos() / 1e6 / CONVERSATIONS);
        assertThat(affinity.sameNode()).isEqualTo(CONVERSATIONS);
        assertThat(affinity.nodes()).as("conversations spread over both nodes").hasSize(2);
        assertThat(affinity.cacheHits()).isGreaterThanOrEqualTo(CONVERSATIONS * 9 / 10);
        assertThat(roundRobin.cacheHits()).isLessThan(CONVERSATIONS / 2);
    }

    @Test
    @Order(2)
    void aConversationGoesOnThroughTheOtherNodeWhenItsNodeIsDown() throws Exception {
        try (NginxProxy nginx = NginxProxy.start(List.of(one.port(), two.port()), false)) {
            Http http = new Http(nginx.baseUrl(), key);
            String id = http.post("/v1/conversations", "{}").json().get("id").asText();
            String path = "/v1/conversations/" + id + "/messages";
            Http.Response first = http.post(path, "{\"content\":\"Once upon a time\",\"max_tokens\":4}");
            assertThat(first.status()).as(first.body()).isEqualTo(200);
            String served = first.header(UPSTREAM);
            Gateway down = served.endsWith(":" + one.port()) ? one : two;
            down.close();
            Http.Response next = http.post(path, "{\"content\":\"And then?\",\"max_tokens\":4}");
            assertThat(next.status()).as(next.body()).isEqualTo(200);
            Gateway up = down == one ? two : one;
            // nginx tried the node that is down first (connection refused), then the other one
            assertThat(next.header(UPSTREAM)).isEqualTo(served + ", 127.0.0.1:" + up.port());
            JsonNode history = http.get(path).json().get("data");
            assertThat(history).hasSize(4);
            assertThat(history.get(0).get("content").asText()).isEqualTo("Once upon a time");
            assertThat(history.get(1).get("content").asText())
                    .isEqualTo(first.json()
                            .get("choices")
                            .get(0)
                            .get("message")
                            .get("content")
                            .asText());
            assertThat(history.get(2).get("content").asText()).isEqualTo("And then?");
        }
    }
}
