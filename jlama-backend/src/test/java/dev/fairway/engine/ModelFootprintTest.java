package dev.fairway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.fairway.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The footprint read from a model's files matches what the loaded engine really holds. */
class ModelFootprintTest {
    static Path model(String name) {
        return name.endsWith(".gguf") ? TestModels.model("gguf").resolve(name) : TestModels.model(name);
    }

    @ParameterizedTest
    @CsvSource(
            nullValues = "-",
            value = {
                "stories260K, -, F32, F32",
                "stories260K-JQ4, -, Q4, Q4",
                "stories260K, Q8, F32, Q8",
                "stories260K-Q4_0.gguf, -, Q4_0, Q8",
                "tiny-smol-Q4_K_M.gguf, -, Q4_K_M, Q8",
                "tiny-tinyllama-F16.gguf, Q4, F16, Q4",
                "tiny-smol-BF16.gguf, -, BF16, F32",
            })
    void theEstimateMatchesTheLoadedEngine(String name, String weightType, String stored, String held)
            throws IOException {
        EngineConfig config = EngineConfig.builder()
                .model(model(name).toString())
                .weightType(weightType)
                .kvCacheMb(4)
                .threads(1)
                .build();
        ModelFootprint estimate = ModelFootprint.estimate(config);
        assertThat(estimate.storedType()).isEqualTo(stored);
        assertThat(estimate.weightType()).isEqualTo(held);
        try (Engine engine = Engine.open(config)) {
            System.out.printf("%s: estimated %d, real %d%n", name, estimate.totalBytes(), engine.memoryBytes());
            assertThat((double) estimate.totalBytes())
                    .isCloseTo(engine.memoryBytes(), within(engine.memoryBytes() * 0.05));
            assertThat(estimate.contextLength()).isEqualTo(engine.modelInfo().contextLength());
            assertThat(estimate.parameterCount()).isEqualTo(engine.modelInfo().parameterCount());
            assertThat(engine.modelInfo().weightType()).isEqualTo(held);
        }
    }

    @ParameterizedTest
    @CsvSource({"owner/not-downloaded", "ollama:nothing-here:latest"})
    void aModelNotOnThisMachineHasNoEstimate(String source) throws IOException {
        assertThat(ModelFootprint.estimate(EngineConfig.builder().model(source).build()))
                .isNull();
    }
}
