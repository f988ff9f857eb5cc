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
    static Path gguf(String name) { return TestModels.model("gguf").resolve(name); }

    @Test
    void opensAGgufFileAndGenerates() {
        EngineConfig cfg = EngineConfig.builder().model(gguf("stories260K-Q8_0.gguf").toString()).kvCacheTokens(1024).build();
        try (Engine e = Engine.open(cfg)) {
            assertThat(e.model().name()).isEqualTo("stories260K-Q8_0");
            assertThat(e.model().weightType()).isEqualTo("Q8");
            assertThat(e.model().config().maxPositions()).isEqualTo(512);
            String text = e.generate(GenerationRequest.of(Prompt.text("Once upon a time"), SamplingParams.greedy(32))).text();
            assertThat(text).startsWith(", there was a little girl named Lily. She loved to play outside");
        }
    }

    @Test
    void aTruncatedGgufFileIsOneClearError(@TempDir Path tmp) throws IOException {
        byte[] all = Files.readAllBytes(gguf("stories260K-Q8_0.gguf"));
        Path cut = tmp.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> Engine.open(EngineConfig.builder().model(cut.toString()).build()))
                .hasMessageStartingWith("Cannot read GGUF file " + cut).hasMessageContaining("truncated: tensor");
    }

    @Test
    void aMissingGgufPathIsNotADownload() {
        assertThatThrownBy(() -> Engine.open(EngineConfig.builder().model("/no/such/model.gguf").build()))
                .hasMessageContaining("neither a local folder");
    }
}
