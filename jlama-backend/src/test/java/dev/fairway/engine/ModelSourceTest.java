package dev.fairway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.engine.model.Model;
import dev.fairway.testkit.TestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSourceTest {
    @TempDir
    Path cache;

    @Test
    void localFolderIsUsedAsIs() {
        assertThat(ModelSource.resolve(TestModels.stories().toString(), cache))
                .isEqualTo(TestModels.stories().toAbsolutePath());
    }

    @Test
    void neitherFolderNorHuggingFaceIdIsOneClearError() {
        assertThatThrownBy(() -> ModelSource.resolve("no/such/folder/here", cache))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("neither a local folder nor a Hugging Face id");
    }

    @Test
    void somethingThatLooksLikeAPathIsNeverTakenForAHuggingFaceId() {
        for (String path : new String[] {
            "./models/SmolLM2",
            "../models/SmolLM2",
            "/no/such/model",
            "~/models/SmolLM2",
            "src/no-such-model",
            "models\\SmolLM2",
            "owner/name/"
        }) {
            assertThat(ModelSource.looksLikePath(path)).as(path).isTrue();
            assertThatThrownBy(() -> ModelSource.resolve(path, cache))
                    .as(path)
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("it looks like a path");
        }
        assertThatThrownBy(() -> ModelSource.resolve("~/models/SmolLM2", cache))
                .hasMessageContaining("~ is not expanded");
        assertThat(ModelSource.looksLikePath("HuggingFaceTB/SmolLM2-135M-Instruct"))
                .isFalse();
        assertThat(ModelSource.looksLikePath("TinyLlama/TinyLlama-1.1B-Chat-v1.0"))
                .isFalse();
    }

    @Test
    void folderWithoutConfigIsAClearError() {
        assertThatThrownBy(() -> Model.load(cache, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("No config.json");
    }
}
