package dev.fairway.gateway.models;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --models-dir on a real server: every model folder and .gguf file in the folder is offered, /v1/models says for each
 * whether it is loaded, its size, quantization and context length, and a model added to (or removed from) the folder
 * shows up in (or leaves) the next listing.
 */
class ModelsDirTest {
    @TempDir
    Path dir;

    private Gateway gateway;
    private Http http;

    @AfterEach
    void stop() {
        if (gateway != null) gateway.close();
    }

    private static Path shared(String name) {
        return TestGateway.shared().resolve("models").resolve(name);
    }

    private Map<String, JsonNode> list() {
        Map<String, JsonNode> byId = new HashMap<>();
        for (JsonNode m : http.get("/v1/models").json().get("data"))
            byId.put(m.get("id").asText(), m);
        return byId;
    }

    private String complete(String model) {
        Http.Response r = http.post(
                "/v1/completions",
                "{\"model\":\"" + model + "\",\"prompt\":\"Once upon a time\",\"temperature\":0,\"max_tokens\":12}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("choices").get(0).get("text").asText();
    }

    @Test
    void everyModelInTheFolderIsListedAndServedAndTheListFollowsTheFolder() throws Exception {
        Files.createSymbolicLink(dir.resolve("stories260K"), shared("stories260K"));
        Files.createSymbolicLink(dir.resolve("stories-q8.gguf"), shared("gguf/stories260K-Q8_0.gguf"));
        Files.createDirectory(dir.resolve("not-a-model"));
        Files.writeString(dir.resolve("notes.txt"), "not a model either");
        gateway = Gateway.start(
                        TestGateway.config(TestGateway.tempDb(), b -> b.kvCacheMb(4)),
                        ModelsConfig.of(List.of(), dir, 0, 0, null, Duration.ZERO),
                        System.out)
                .toCompletionStage()
                .toCompletableFuture()
                .join();
        http = new Http(gateway.baseUrl());

        Map<String, JsonNode> models = list();
        assertThat(models).containsOnlyKeys("stories-q8", "stories260K");
        JsonNode q8 = models.get("stories-q8"), f32 = models.get("stories260K");
        assertThat(q8.get("default").asBoolean()).isTrue(); // the first in name order
        assertThat(q8.get("loaded").asBoolean()).isTrue();
        assertThat(f32.get("loaded").asBoolean()).isFalse();
        assertThat(q8.get("quantization").asText()).isEqualTo("Q8_0");
        assertThat(f32.get("quantization").asText()).isEqualTo("F32");
        assertThat(f32.get("weight_type").asText()).isEqualTo("F32");
        assertThat(f32.get("max_model_len").asInt()).isEqualTo(512);
        assertThat(q8.get("max_model_len").asInt()).isEqualTo(512);
        assertThat(f32.get("size_bytes").asLong())
                .isGreaterThan(f32.get("file_bytes").asLong());
        assertThat(q8.get("file_bytes").asLong()).isEqualTo(Files.size(shared("gguf/stories260K-Q8_0.gguf")));

        assertThat(complete("stories260K")).startsWith(TestGateway.STORY);
        assertThat(complete("stories-q8")).isNotEmpty();
        assertThat(list().get("stories260K").get("loaded").asBoolean()).isTrue();

        Files.createSymbolicLink(dir.resolve("jq4"), shared("stories260K-JQ4"));
        Map<String, JsonNode> after = list();
        assertThat(after).containsOnlyKeys("stories-q8", "stories260K", "jq4");
        assertThat(after.get("jq4").get("quantization").asText()).isEqualTo("Q4");
        assertThat(after.get("jq4").get("loaded").asBoolean()).isFalse();
        assertThat(complete("jq4")).isNotEmpty();

        Files.delete(dir.resolve("stories260K")); // loaded: it stays until unloaded
        Files.createSymbolicLink(dir.resolve("extra.gguf"), shared("gguf/stories260K-Q4_0.gguf"));
        assertThat(list()).containsOnlyKeys("stories-q8", "stories260K", "jq4", "extra");
        Files.delete(dir.resolve("extra.gguf")); // never loaded: it goes
        assertThat(list()).containsOnlyKeys("stories-q8", "stories260K", "jq4");
        Http.Response gone = http.post("/v1/completions", "{\"model\":\"extra\",\"prompt\":\"Once\",\"max_tokens\":3}");
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().get("error").get("code").asText()).isEqualTo("model_not_found");
    }
}
