package dev.fairway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.engine.model.Model;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSourceTest {
    @TempDir
    Path cache;

    @Test
    void localFolderIsUsedAsIs() {
        assertThat(ModelSource.resolve(TestModels.stories().toString(), cache)).isEqualTo(TestModels.stories().toAbsolutePath());
    }

    @Test
    void neitherFolderNorHuggingFaceIdIsOneClearError() {
        assertThatThrownBy(() -> ModelSource.resolve("no/such/folder/here", cache))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("neither a local folder nor a Hugging Face id");
    }

    @Test
    void folderWithoutConfigIsAClearError() {
        assertThatThrownBy(() -> Model.load(cache, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("No config.json");
    }
}
