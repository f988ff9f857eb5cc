package dev.fairway.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.engine.EngineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a Java user gets wrong first: a model folder that is not there, and the JVM flag the engine needs. */
class ModelPathAndJvmFlagTest {

    @Test
    void aModelFolderThatDoesNotExistIsAnErrorNotAHuggingFaceId() {
        // "models/SmolLM2-135M-Instruct" is also shaped like owner/name: it must not become a download
        assertThatThrownBy(() -> LocalChatModel.builder()
                        .modelPath(Path.of("models/SmolLM2-135M-Instruct"))
                        .build())
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("it looks like a path")
                .hasMessageContaining(
                        Path.of("models/SmolLM2-135M-Instruct").toAbsolutePath().toString());
        assertThatThrownBy(() -> LocalChatModel.builder()
                        .model("./models/SmolLM2-135M-Instruct")
                        .build())
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("it looks like a path");
        assertThat(LocalEngines.openEngines()).isZero();
    }

    /** Used as a child JVM's main class by the test below. */
    public static final class OpenWithoutFlag {
        public static void main(String[] args) {
            try (LocalChatModel m =
                    LocalChatModel.builder().modelPath(Path.of(args[0])).build()) {
                System.out.println("opened " + m.chat("Once"));
            }
        }
    }

    @Test
    void withoutTheVectorApiFlagTheUserIsToldWhatToAdd() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(List.of(
                        java,
                        "-cp",
                        classpath,
                        OpenWithoutFlag.class.getName(),
                        TestModels.stories260K().toString()))
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(output)
                .contains("java.lang.IllegalStateException")
                .contains("--add-modules jdk.incubator.vector")
                .doesNotContain("NoClassDefFoundError");
    }
}
