package dev.fairway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --model FILE.gguf through Engine.open, like the server does it. */
class GgufEngineTest {
    static Path gguf(String name) {
        return TestModels.model("gguf").resolve(name);
    }

    @Test
    void opensAGgufFileAndGenerates() {
        EngineConfig cfg = EngineConfig.builder()
                .model(gguf("stories260K-Q8_0.gguf").toString())
                .kvCacheTokens(1024)
                .build();
        try (Engine e = Engine.open(cfg)) {
            assertThat(e.model().name()).isEqualTo("stories260K-Q8_0");
            assertThat(e.model().weightType()).isEqualTo("Q8");
            assertThat(e.model().config().maxPositions()).isEqualTo(512);
            String text = e.generate(GenerationRequest.of(Prompt.text("Once upon a time"), SamplingParams.greedy(32)))
                    .text();
            assertThat(text).startsWith(", there was a little girl named Lily. She loved to play outside");
        }
    }

    @Test
    void aTruncatedGgufFileIsOneClearError(@TempDir Path tmp) throws IOException {
        byte[] all = Files.readAllBytes(gguf("stories260K-Q8_0.gguf"));
        Path cut = tmp.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() ->
                        Engine.open(EngineConfig.builder().model(cut.toString()).build()))
                .hasMessageStartingWith("Cannot read GGUF file " + cut)
                .hasMessageContaining("truncated: tensor");
    }

    /** An Ollama store made from a shared file (blob named by its sha256, manifest naming it) loads by name. */
    @Test
    void loadsByNameFromAnOllamaStore(@TempDir Path store) throws Exception {
        byte[] file = Files.readAllBytes(gguf("stories260K-Q8_0.gguf"));
        String hex = java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(file));
        Files.createDirectories(store.resolve("blobs"));
        Files.write(store.resolve("blobs/sha256-" + hex), file);
        Path manifest = store.resolve("manifests/registry.ollama.ai/library/stories/q8");
        Files.createDirectories(manifest.getParent());
        Files.writeString(
                manifest,
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                        + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"sha256:"
                        + "0".repeat(64)
                        + "\",\"size\":2},\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\","
                        + "\"digest\":\"sha256:" + hex + "\",\"size\":" + file.length + "}]}");
        System.setProperty("fairway.ollama.models", store.toString());
        try (Engine e = Engine.open(EngineConfig.builder()
                .model("ollama:stories:q8")
                .kvCacheTokens(512)
                .build())) {
            assertThat(e.model().name()).isEqualTo("ollama:stories:q8");
            assertThat(e.generate(GenerationRequest.of(Prompt.text("Once upon a time"), SamplingParams.greedy(8)))
                            .text())
                    .startsWith(", there was a little girl");
            assertThatThrownBy(() -> Engine.open(
                            EngineConfig.builder().model("ollama:stories").build()))
                    .hasMessageContaining("Ollama model stories:latest is not in the store");
        } finally {
            System.clearProperty("fairway.ollama.models");
        }
    }

    @Test
    void aMissingGgufPathIsNotADownload() {
        assertThatThrownBy(() -> Engine.open(
                        EngineConfig.builder().model("/no/such/model.gguf").build()))
                .hasMessageContaining("neither a local folder");
    }
}
