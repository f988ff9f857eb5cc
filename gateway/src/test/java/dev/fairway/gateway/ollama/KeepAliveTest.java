package dev.fairway.gateway.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.models.ModelRegistry;
import dev.fairway.gateway.models.ModelsConfig;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ollama's keep_alive on a real server of its own (unloading would disturb the shared one): the unload call, a
 * request's keep_alive unloading after it, a duration passing, /api/ps's expires_at, never unloading a model that
 * serves a request, reloading on the next request, and a bad keep_alive refused in Ollama's error shape.
 */
class KeepAliveTest {
    private static final String MODEL = "stories260K";
    /** Unloads happen when a lease is released or a timer fires: waited for, never assumed. */
    private static final long WAIT_MS = 60_000;

    private Gateway gateway;
    private Http http;

    @BeforeEach
    void start() {
        gateway = Gateway.start(
                        TestGateway.config(TestGateway.tempDb()),
                        ModelsConfig.of(List.of(TestGateway.modelPath()), 0, null, Duration.ZERO),
                        System.out)
                .toCompletionStage()
                .toCompletableFuture()
                .join();
        http = new Http(gateway.baseUrl());
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    private JsonNode ps() {
        return http.get("/api/ps").json().get("models");
    }

    private boolean listedAsLoaded() {
        return http.get("/v1/models/" + MODEL).json().get("loaded").asBoolean();
    }

    private void awaitUnloaded() throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (!ps().isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(20);
        assertThat(ps()).as("/api/ps after the unload").isEmpty();
        assertThat(listedAsLoaded()).isFalse();
    }

    private String generate(String keepAlive) {
        Http.Response r = http.post(
                "/api/generate",
                "{\"model\":\"" + MODEL + "\",\"prompt\":\"Once upon a time\",\"stream\":false,"
                        + (keepAlive == null ? "" : "\"keep_alive\":" + keepAlive + ",")
                        + "\"options\":{\"temperature\":0,\"num_predict\":8}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("response").asText();
    }

    @Test
    void theUnloadCallUnloadsAndTheNextRequestLoadsAgain() throws Exception {
        JsonNode loaded = ps();
        assertThat(loaded).hasSize(1);
        // the server's default keeps it until the room is needed: Ollama's "forever", centuries away
        assertThat(Instant.parse(loaded.at("/0/expires_at").asText()))
                .isAfter(Instant.now().plus(Duration.ofDays(365L * 200)));
        assertThat(listedAsLoaded()).isTrue();

        JsonNode unload = http.post("/api/generate", "{\"model\":\"" + MODEL + "\",\"keep_alive\":0}")
                .json();
        assertThat(unload.get("done").asBoolean()).isTrue();
        assertThat(unload.get("done_reason").asText()).isEqualTo("unload");
        assertThat(unload.get("response").asText()).isEmpty();
        awaitUnloaded();
        assertThat(gateway.models().resolve(MODEL).state()).isEqualTo(ModelRegistry.State.UNLOADED);

        assertThat(generate(null)).startsWith(", there was");
        assertThat(ps()).hasSize(1);
        assertThat(listedAsLoaded()).isTrue();

        // /api/chat's unload call (no messages, keep_alive 0) too
        JsonNode chat = http.post("/api/chat", "{\"model\":\"" + MODEL + ":latest\",\"keep_alive\":\"0s\"}")
                .json();
        assertThat(chat.get("done_reason").asText()).isEqualTo("unload");
        assertThat(chat.at("/message/content").asText()).isEmpty();
        awaitUnloaded();

        // Ollama's preload call (no prompt) loads it without generating
        JsonNode load =
                http.post("/api/generate", "{\"model\":\"" + MODEL + "\"}").json();
        assertThat(load.get("done_reason").asText()).isEqualTo("load");
        assertThat(ps()).hasSize(1);
    }

    @Test
    void aRequestsKeepAliveZeroUnloadsTheModelAfterItsAnswer() throws Exception {
        assertThat(generate("0")).startsWith(", there was");
        awaitUnloaded();
        assertThat(generate("-1")).startsWith(", there was"); // loads again, then stays
        assertThat(ps()).hasSize(1);
    }

    @Test
    void aDurationSetsExpiresAtAndUnloadsOnceItHasPassed() throws Exception {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        generate("\"1h\"");
        // the answer's lease may end just before or after /api/ps: either way its expiry is within these bounds
        Instant expires = Instant.parse(ps().at("/0/expires_at").asText());
        Instant after = Instant.now();
        assertThat(expires).isBetween(before.plus(Duration.ofHours(1)), after.plus(Duration.ofHours(1)));
        assertThat(listedAsLoaded()).isTrue();

        generate("1"); // a number of seconds: the last request's keep_alive counts
        awaitUnloaded();
    }

    @Test
    void theServersKeepAliveAppliesWhenARequestSaysNothing() throws Exception {
        gateway.close();
        gateway = Gateway.start(
                        TestGateway.config(TestGateway.tempDb()),
                        ModelsConfig.of(List.of(TestGateway.modelPath()), 0, null, Duration.ZERO)
                                .withKeepAlive(Duration.ofMillis(300)), // --keep-alive 300ms
                        System.out)
                .toCompletionStage()
                .toCompletableFuture()
                .join();
        http = new Http(gateway.baseUrl());
        awaitUnloaded(); // preloaded, then idle for 300 ms
        assertThat(http.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":4}")
                        .status())
                .isEqualTo(200); // loads again for an OpenAI request
        awaitUnloaded();
    }

    @Test
    void aModelServingARequestIsNeverUnloaded() throws Exception {
        ModelRegistry registry = gateway.models();
        // a request in progress holds a lease on its model for as long as its response lasts
        ModelRegistry.Lease running = registry.acquire(registry.resolve(MODEL)).join();
        try {
            assertThat(http.post("/api/generate", "{\"model\":\"" + MODEL + "\",\"keep_alive\":0}")
                            .json()
                            .get("done_reason")
                            .asText())
                    .isEqualTo("unload");
            assertThat(generate("0")).startsWith(", there was"); // served, and its own end does not unload it
            assertThat(ps()).hasSize(1);
            assertThat(listedAsLoaded()).isTrue();
            // while requests run, expires_at is the keep-alive after now
            assertThat(Instant.parse(ps().at("/0/expires_at").asText())).isBeforeOrEqualTo(Instant.now());
        } finally {
            running.release();
        }
        awaitUnloaded();
    }

    @Test
    void aBadKeepAliveIsA400InOllamasShape() {
        for (String keepAlive : List.of("\"5 minutes\"", "\"abc\"", "\"\"", "\"1x\"", "true", "[1]", "{\"s\":1}"))
            for (String request : List.of(
                    "/api/generate {\"model\":\"" + MODEL + "\",\"prompt\":\"Hi\",\"keep_alive\":" + keepAlive + "}",
                    "/api/chat {\"model\":\"" + MODEL + "\",\"messages\":[],\"keep_alive\":" + keepAlive + "}",
                    "/api/embed {\"model\":\"" + MODEL + "\",\"input\":\"Hi\",\"keep_alive\":" + keepAlive + "}",
                    "/api/embeddings {\"model\":\"" + MODEL + "\",\"prompt\":\"Hi\",\"keep_alive\":" + keepAlive
                            + "}")) {
                int space = request.indexOf(' ');
                Http.Response r = http.post(request.substring(0, space), request.substring(space + 1));
                assertThat(r.status()).as(request).isEqualTo(400);
                JsonNode error = r.json();
                assertThat(error.size()).isEqualTo(1);
                assertThat(error.get("error").asText()).contains("'keep_alive'");
            }
        assertThat(ps()).hasSize(1);
    }
}
