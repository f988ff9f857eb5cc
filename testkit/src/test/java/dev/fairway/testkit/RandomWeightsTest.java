package dev.fairway.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.testkit.RandomWeights.SmallConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RandomWeightsTest {

    @Test
    void sameSeedSameWeightsAndCached() throws Exception {
        SmallConfig spec = SmallConfig.qwen2(64, 96, 4, 2, 1, 512);
        Path a = RandomWeights.small(spec, TestModels.shared().resolve("models/stories260K"), 3, 0.1);
        long modified =
                Files.getLastModifiedTime(a.resolve("model.safetensors")).toMillis();
        Path b = RandomWeights.small(spec, TestModels.shared().resolve("models/stories260K"), 3, 0.1);
        assertThat(b).isEqualTo(a);
        assertThat(Files.getLastModifiedTime(b.resolve("model.safetensors")).toMillis())
                .isEqualTo(modified);
        assertThat(a.resolve("tokenizer.json")).exists();
        JsonNode cfg = new ObjectMapper().readTree(a.resolve("config.json").toFile());
        assertThat(cfg.get("model_type").asText()).isEqualTo("qwen2");
        assertThat(cfg.get("intermediate_size").asInt()).isEqualTo(96);

        ReferenceLlama ref = ReferenceLlama.load(a);
        assertThat(ref.config().qkvBias()).isTrue();
        assertThat(ref.config().tied()).isFalse();
        float[][] l = ref.logits(new int[] {1, 50, 60});
        for (float[] row : l) for (float v : row) assertThat(Float.isFinite(v)).isTrue();
    }

    @Test
    void shardedFilesLoadToTheSameWeights(@TempDir Path tmp) throws Exception {
        SmallConfig spec = SmallConfig.llama(64, 128, 4, 2, 2, 512).withTied(false);
        Path single = RandomWeights.small(spec, TestModels.shared().resolve("models/stories260K"), 5, 0.1);
        Path sharded = tmp.resolve("sharded");
        Files.createDirectories(sharded);
        for (String f : new String[] {"config.json", "tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(single.resolve(f), sharded.resolve(f));
        }
        JsonNode cfg = new ObjectMapper().readTree(single.resolve("config.json").toFile());
        RandomWeights.writeWeights(cfg, 5, 0.1, sharded.resolve("model.safetensors"), 100_000);
        assertThat(sharded.resolve("model.safetensors")).doesNotExist();
        assertThat(sharded.resolve("model.safetensors.index.json")).exists();
        try (Stream<Path> files = Files.list(sharded)) {
            assertThat(files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")))
                    .hasSizeGreaterThan(2);
        }
        int[] tokens = {1, 7, 300, 42};
        assertThat(ReferenceLlama.load(sharded).logits(tokens))
                .isDeepEqualTo(ReferenceLlama.load(single).logits(tokens));
    }
}
