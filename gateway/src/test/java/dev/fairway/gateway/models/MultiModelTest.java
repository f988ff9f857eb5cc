package dev.fairway.gateway.models;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineConfig;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.gateway.EngineBrake;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.GatewayConfig;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two real models on one real server (stories260K, F32, and its JQ4 copy: same tokenizer, different weights): routing
 * by the request's model, lazy loading, swapping under --max-loaded-models, no eviction of a busy model, a model
 * that fails to load failing only its own requests, and /v1/models, /health and /metrics showing both.
 */
class MultiModelTest {
    static final String F32 = TestGateway.modelPath();
    static final String JQ4 =
            TestGateway.shared().resolve("models/stories260K-JQ4").toString();
    static final String PROMPT = "Once upon a time";
    static final int TOKENS = 12;

    private Gateway gateway;
    private Http http;

    @AfterEach
    void stop() {
        if (gateway != null) gateway.close();
    }

    private void start(ModelsConfig models, Function<EngineConfig, Engine> loader) {
        GatewayConfig config = TestGateway.config(TestGateway.tempDb());
        gateway = Gateway.start(config, models, System.out, loader)
                .toCompletionStage()
                .toCompletableFuture()
                .join();
        http = new Http(gateway.baseUrl());
    }

    private static ModelsConfig models(int maxLoaded, List<String> preload, Duration timeout, String... models) {
        return ModelsConfig.of(List.of(models), maxLoaded, preload, timeout);
    }

    private static String body(String model, int maxTokens, boolean stream) {
        return "{" + (model == null ? "" : "\"model\":\"" + model + "\",") + "\"prompt\":\"" + PROMPT
                + "\",\"temperature\":0,\"max_tokens\":" + maxTokens + ",\"stream\":" + stream + "}";
    }

    private String complete(String model) {
        Http.Response r = http.post("/v1/completions", body(model, TOKENS, false));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("choices").get(0).get("text").asText();
    }

    /** What the JQ4 model says on its own, in process. */
    private static String inProcess(String path) {
        try (Engine e = Engine.open(
                EngineConfig.builder().model(path).kvCacheMb(16).threads(1).build())) {
            return e.generate(new GenerationRequest(
                            "t",
                            "",
                            Prompt.text(PROMPT),
                            SamplingParams.builder()
                                    .temperature(0)
                                    .maxTokens(TOKENS)
                                    .build(),
                            1,
                            1.0))
                    .text();
        }
    }

    private ModelRegistry.Entry entry(String name) {
        return gateway.models().resolve(name);
    }

    @Test
    void eachRequestGetsItsOwnModelsGreedyTextAndTheListShowsBoth() {
        String jq4Alone = inProcess(JQ4);
        start(models(0, null, Duration.ZERO, F32, "jq4=" + JQ4), null);
        assertThat(entry("stories260K").state()).isEqualTo(ModelRegistry.State.LOADED);
        assertThat(entry("jq4").state()).isEqualTo(ModelRegistry.State.UNLOADED);

        JsonNode before = http.get("/v1/models").json().get("data");
        assertThat(before).hasSize(2);
        assertThat(before.get(0).get("id").asText()).isEqualTo("stories260K");
        assertThat(before.get(0).get("loaded").asBoolean()).isTrue();
        assertThat(before.get(0).get("max_model_len").asInt()).isPositive();
        assertThat(before.get(1).get("id").asText()).isEqualTo("jq4");
        assertThat(before.get(1).get("loaded").asBoolean()).isFalse();

        assertThat(complete(null)).startsWith(TestGateway.STORY);
        assertThat(complete("stories260K")).startsWith(TestGateway.STORY);
        String jq4 = complete("jq4");
        assertThat(jq4).isEqualTo(jq4Alone);
        assertThat(complete(JQ4)).isEqualTo(jq4Alone); // the source as given names it too
        assertThat(complete(null)).startsWith(TestGateway.STORY);

        JsonNode after = http.get("/v1/models").json().get("data");
        assertThat(after.get(1).get("loaded").asBoolean()).isTrue();
        assertThat(after.get(1).get("max_model_len").asInt()).isPositive();
        assertThat(http.get("/v1/models/jq4").json().get("id").asText()).isEqualTo("jq4");

        Http.Response unknown = http.post("/v1/completions", body("nope", 3, false));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body()).contains("stories260K", "jq4");

        JsonNode health = http.get("/health").json();
        assertThat(health.get("models").get("stories260K").get("state").asText())
                .isEqualTo("loaded");
        assertThat(health.get("models").get("jq4").get("state").asText()).isEqualTo("loaded");

        String metrics = http.get("/metrics").body();
        assertThat(metrics)
                .contains(
                        "fairway_generation_tokens_total{model=\"stories260K\"}",
                        "fairway_generation_tokens_total{model=\"jq4\"}",
                        "fairway_requests_running{model=\"jq4\"}",
                        "fairway_requests_running{model=\"stories260K\"}",
                        "fairway_time_to_first_token_seconds_count{model=\"jq4\"}");
    }

    /** A loader that holds JQ4's load until the test lets it go: "while it loads" is then a fact, not a race. */
    private static Function<EngineConfig, Engine> heldLoader(CountDownLatch release) {
        return c -> {
            if (c.model().equals(JQ4)) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return Engine.open(c);
        };
    }

    @Test
    void aStreamingClientGetsHeadersWhileItsModelLoads() throws Exception {
        CountDownLatch loaded = new CountDownLatch(1);
        start(models(0, null, Duration.ZERO, F32, "jq4=" + JQ4), heldLoader(loaded));
        HttpRequest req = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body("jq4", TOKENS, true)))
                .build();
        HttpResponse<java.io.InputStream> r;
        try {
            r = HttpClient.newHttpClient()
                    .sendAsync(req, HttpResponse.BodyHandlers.ofInputStream())
                    .get(60, TimeUnit.SECONDS);
            assertThat(entry("jq4").state())
                    .as("headers came while the model loads")
                    .isEqualTo(ModelRegistry.State.LOADING);
        } finally {
            loaded.countDown();
        }
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) if (!line.isEmpty()) lines.add(line);
        }
        assertThat(lines.getFirst()).isEqualTo(": loading model jq4");
        assertThat(lines.getLast()).isEqualTo("data: [DONE]");
        StringBuilder text = new StringBuilder();
        for (String l : lines) {
            if (!l.startsWith("data: {")) continue;
            JsonNode choice = Http.parse(l.substring(6)).get("choices").get(0);
            if (choice.hasNonNull("text")) text.append(choice.get("text").asText());
        }
        assertThat(text.toString()).isEqualTo(inProcess(JQ4));
    }

    @Test
    void aLoadTimeoutAnswers503WithRetryAfterAndTheLoadGoesOn() {
        CountDownLatch loaded = new CountDownLatch(1);
        start(models(0, null, Duration.ofSeconds(1), F32, "jq4=" + JQ4), heldLoader(loaded));
        Http.Response r;
        try {
            r = http.post("/v1/completions", body("jq4", 3, false));
            assertThat(entry("jq4").state()).isEqualTo(ModelRegistry.State.LOADING);
        } finally {
            loaded.countDown();
        }
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("Retry-After")).isEqualTo("1");
        assertThat(r.json().get("error").get("code").asText()).isEqualTo("model_loading");
        // the request that gave up releases its pin when the load completes, just after the state says loaded
        waitFor(() -> entry("jq4").state() == ModelRegistry.State.LOADED
                && entry("jq4").pins() == 0);
        assertThat(complete("jq4")).isNotEmpty();
    }

    @Test
    void oneLoadedModelAtATimeSwapsWithoutFailingARequest() {
        String jq4Alone = inProcess(JQ4);
        start(models(1, null, Duration.ZERO, F32, "jq4=" + JQ4), null);
        List<CompletableFuture<String>> f32s = new ArrayList<>(), jq4s = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            f32s.add(CompletableFuture.supplyAsync(() -> complete("stories260K")));
            jq4s.add(CompletableFuture.supplyAsync(() -> complete("jq4")));
        }
        for (var f : f32s) assertThat(f.join()).startsWith(TestGateway.STORY);
        for (var f : jq4s) assertThat(f.join()).isEqualTo(jq4Alone);
        for (int i = 0; i < 3; i++) {
            assertThat(complete("jq4")).isEqualTo(jq4Alone);
            assertThat(complete("stories260K")).startsWith(TestGateway.STORY);
        }
        long loaded = gateway.models().entries().stream()
                .filter(e -> e.state() == ModelRegistry.State.LOADED)
                .count();
        assertThat(loaded).isEqualTo(1);
    }

    @Test
    void aModelServingRequestsIsNotEvicted() throws Exception {
        start(models(1, null, Duration.ZERO, F32, "jq4=" + JQ4), null);
        // a request on the default model holds it (as a running stream does until its response ends)
        ModelRegistry.Lease running =
                gateway.models().acquire(entry("stories260K")).join();
        CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> complete("jq4"));
        waitFor(() -> entry("jq4").state() == ModelRegistry.State.LOADING); // its request came and waits for room
        Thread.sleep(1000); // time for a wrong eviction to happen
        assertThat(other).isNotDone();
        assertThat(entry("stories260K").state()).isEqualTo(ModelRegistry.State.LOADED);
        assertThat(entry("jq4").state()).isEqualTo(ModelRegistry.State.LOADING);
        assertThat(running.engine()
                        .generate(new GenerationRequest(
                                "t",
                                "",
                                Prompt.text(PROMPT),
                                SamplingParams.builder()
                                        .temperature(0)
                                        .maxTokens(TOKENS)
                                        .build(),
                                1,
                                1.0))
                        .text())
                .startsWith(TestGateway.STORY);
        running.release();
        assertThat(other.get(30, java.util.concurrent.TimeUnit.SECONDS)).isNotEmpty();
        assertThat(entry("stories260K").state()).isEqualTo(ModelRegistry.State.UNLOADED);

        // real streams: long ones on jq4 while the default model is asked for; every stream ends with [DONE]
        List<CompletableFuture<List<String>>> streams = new ArrayList<>();
        for (int i = 0; i < 4; i++)
            streams.add(CompletableFuture.supplyAsync(() -> http.stream("/v1/completions", body("jq4", 200, true))));
        CompletableFuture<String> f32 = CompletableFuture.supplyAsync(() -> complete("stories260K"));
        for (var s : streams) assertThat(s.join().getLast()).isEqualTo("[DONE]");
        assertThat(f32.join()).startsWith(TestGateway.STORY);
    }

    @Test
    void aModelThatFailsToLoadFailsOnlyItsOwnRequests() {
        start(models(0, null, Duration.ZERO, F32, "broken=/nonexistent/model-folder"), null);
        Http.Response bad = http.post("/v1/completions", body("broken", 3, false));
        assertThat(bad.status()).isEqualTo(500);
        assertThat(bad.json().get("error").get("code").asText()).isEqualTo("model_load_failed");
        assertThat(bad.json().get("error").get("message").asText()).contains("broken", "could not be loaded");
        assertThat(complete(null)).startsWith(TestGateway.STORY);
        assertThat(http.post("/v1/completions", body("broken", 3, false)).status())
                .isEqualTo(500);
        JsonNode list = http.get("/v1/models").json().get("data");
        assertThat(list.get(1).get("state").asText()).isEqualTo("failed");
        assertThat(list.get(1).get("error").asText()).isNotEmpty();
        assertThat(http.get("/health").status()).isEqualTo(200);
        assertThat(http.get("/health")
                        .json()
                        .get("models")
                        .get("broken")
                        .get("state")
                        .asText())
                .isEqualTo("failed");
    }

    /**
     * One stream on the quiet model while twelve run on the busy one: steps of the two models alternate, so the lone
     * stream finishes long before the twelve (it needs a tenth of their steps), not after them.
     */
    @Test
    void aStreamOnAQuietModelIsNotStarvedByTwelveOnABusyOne() {
        start(models(0, List.of("all"), Duration.ZERO, F32, "jq4=" + JQ4), null);
        List<CompletableFuture<List<String>>> busy = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            busy.add(CompletableFuture.supplyAsync(() -> http.stream(
                    "/v1/completions",
                    "{\"prompt\":\"" + PROMPT
                            + "\",\"max_tokens\":400,\"ignore_eos\":true,\"stream\":true,\"user\":\"many\"}")));
        }
        waitFor(() -> gateway.models().defaultEntry().engineOrNull().stats().runningSequences() >= 12);
        CompletableFuture<List<String>> loneStream;
        // braked while the lone request travels to its engine, so the twelve cannot get ahead meanwhile on a slow
        // machine; from its admission on the gate decides alone
        try (EngineBrake brake = EngineBrake.on(gateway)) {
            loneStream = CompletableFuture.supplyAsync(() -> http.stream(
                    "/v1/completions",
                    "{\"model\":\"jq4\",\"prompt\":\"" + PROMPT
                            + "\",\"max_tokens\":40,\"ignore_eos\":true,\"stream\":true,\"user\":\"one\"}"));
            waitFor(() -> entry("jq4").engineOrNull().stats().runningSequences() == 1);
        }
        List<String> lone = loneStream.join();
        assertThat(lone.getLast()).isEqualTo("[DONE]");
        assertThat(busy.stream().filter(f -> !f.isDone()).count()).isPositive();
        for (var f : busy) assertThat(f.join().getLast()).isEqualTo("[DONE]");
        assertThat(gateway.models().gate().passes()).isPositive();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        long end = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out");
            sleep(20);
        }
    }
}
