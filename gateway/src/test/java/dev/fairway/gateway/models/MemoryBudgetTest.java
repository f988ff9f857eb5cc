package dev.fairway.gateway.models;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.ModelFootprint;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.GatewayConfig;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * --memory-budget on a real server with two real models (stories260K F32, 5.7 MB with a 4 MB KV pool, and its JQ4
 * copy, 4.7 MB): a budget for one model at a time swaps them without failing a request, a model bigger than the
 * budget is refused with a clear error while the other serves, and a model serving a request is never unloaded.
 */
class MemoryBudgetTest {
    static final String F32 = MultiModelTest.F32;
    static final String JQ4 = MultiModelTest.JQ4;

    private Gateway gateway;
    private Http http;

    @AfterEach
    void stop() {
        if (gateway != null) gateway.close();
    }

    private static GatewayConfig config() {
        return TestGateway.config(TestGateway.tempDb(), b -> b.kvCacheMb(4));
    }

    private static long size(String model) throws Exception {
        return ModelFootprint.estimate(
                        config().engine().toBuilder().model(model).build())
                .totalBytes();
    }

    private void start(long budget, String... models) {
        gateway = Gateway.start(
                        config(), ModelsConfig.of(List.of(models), null, 0, budget, null, Duration.ZERO), System.out)
                .toCompletionStage()
                .toCompletableFuture()
                .join();
        http = new Http(gateway.baseUrl());
    }

    private String complete(String model) {
        Http.Response r = http.post(
                "/v1/completions",
                "{\"model\":\"" + model + "\",\"prompt\":\"Once upon a time\",\"temperature\":0,\"max_tokens\":12}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("choices").get(0).get("text").asText();
    }

    private ModelRegistry.Entry entry(String name) {
        return gateway.models().resolve(name);
    }

    private long loaded() {
        return gateway.models().entries().stream()
                .filter(e -> e.state() == ModelRegistry.State.LOADED)
                .count();
    }

    @Test
    void aBudgetForOneModelSwapsThemAndEveryRequestGetsItsOwnModel() throws Exception {
        long f32 = size(F32), jq4 = size(JQ4);
        start(f32 + jq4 / 2, F32, "jq4=" + JQ4);
        String jq4Text = complete("jq4");
        assertThat(entry("stories260K").state()).isEqualTo(ModelRegistry.State.UNLOADED);
        List<CompletableFuture<String>> f32s = new ArrayList<>(), jq4s = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            f32s.add(CompletableFuture.supplyAsync(() -> complete("stories260K")));
            jq4s.add(CompletableFuture.supplyAsync(() -> complete("jq4")));
        }
        for (var f : f32s) assertThat(f.join()).startsWith(TestGateway.STORY);
        for (var f : jq4s) assertThat(f.join()).isEqualTo(jq4Text);
        assertThat(loaded()).isEqualTo(1);

        JsonNode list = http.get("/v1/models").json().get("data");
        assertThat(list.get(0).get("size_bytes").asLong()).isEqualTo(f32);
        assertThat(list.get(1).get("size_bytes").asLong()).isEqualTo(jq4);
        JsonNode health = http.get("/health").json();
        assertThat(health.get("memory_budget_bytes").asLong()).isEqualTo(f32 + jq4 / 2);
        assertThat(health.get("loaded_bytes").asLong()).isLessThanOrEqualTo(f32 + jq4 / 2);
    }

    @Test
    void aModelBiggerThanTheBudgetIsRefusedAndTheOtherServes() throws Exception {
        long f32 = size(F32), jq4 = size(JQ4);
        assertThat(jq4).isLessThan(f32);
        start((f32 + jq4) / 2, "jq4=" + JQ4, F32);
        Http.Response r =
                http.post("/v1/completions", "{\"model\":\"stories260K\",\"prompt\":\"Once\",\"max_tokens\":3}");
        assertThat(r.status()).isEqualTo(500);
        JsonNode error = r.json().get("error");
        assertThat(error.get("code").asText()).isEqualTo("model_exceeds_memory_budget");
        assertThat(error.get("param").asText()).isEqualTo("model");
        assertThat(error.get("message").asText())
                .contains("stories260K", "--memory-budget", ByteSize.format((f32 + jq4) / 2));
        assertThat(complete("jq4")).isNotEmpty();
        assertThat(entry("jq4").state()).isEqualTo(ModelRegistry.State.LOADED);
        assertThat(http.get("/v1/models").json().get("data").get(1).get("state").asText())
                .isEqualTo("failed");
    }

    @Test
    void aModelServingARequestIsNotUnloadedToMakeRoom() throws Exception {
        long f32 = size(F32), jq4 = size(JQ4);
        start(f32 + jq4 / 2, F32, "jq4=" + JQ4);
        ModelRegistry.Lease running =
                gateway.models().acquire(entry("stories260K")).join();
        CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> complete("jq4"));
        Thread.sleep(1000);
        assertThat(other).isNotDone();
        assertThat(entry("stories260K").state()).isEqualTo(ModelRegistry.State.LOADED);
        assertThat(running.engine()
                        .generate(new GenerationRequest(
                                "t",
                                "",
                                Prompt.text("Once upon a time"),
                                SamplingParams.builder()
                                        .temperature(0)
                                        .maxTokens(12)
                                        .build(),
                                1,
                                1.0))
                        .text())
                .startsWith(TestGateway.STORY);
        running.release();
        assertThat(other.get(30, TimeUnit.SECONDS)).isNotEmpty();
        assertThat(entry("stories260K").state()).isEqualTo(ModelRegistry.State.UNLOADED);
        assertThat(loaded()).isEqualTo(1);
    }

    @Test
    void sizesAreWrittenTheWayPeopleWriteThem() {
        assertThat(ByteSize.parse("8G", "--memory-budget")).isEqualTo(8L << 30);
        assertThat(ByteSize.parse("512m", "--memory-budget")).isEqualTo(512L << 20);
        assertThat(ByteSize.parse("1.5GiB", "--memory-budget")).isEqualTo(3L << 29);
        assertThat(ByteSize.parse("4096", "--memory-budget")).isEqualTo(4096);
        assertThat(ByteSize.parse("0", "--memory-budget")).isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ByteSize.parse("lots", "--memory-budget"))
                .hasMessageContaining("--memory-budget lots")
                .hasMessageContaining("8G");
    }
}
