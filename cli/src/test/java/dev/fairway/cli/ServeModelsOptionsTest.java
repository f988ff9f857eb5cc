package dev.fairway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.gateway.models.KeepAlive;
import dev.fairway.gateway.models.ModelsConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ServeModelsOptionsTest {
    private static ServeCommand parse(String... args) {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(args);
        return serve;
    }

    @Test
    void repeatableModelWithNamesPreloadAndLimits() {
        ModelsConfig m = parse(
                        "--model",
                        "/nowhere/stories260K",
                        "--model",
                        "small=/nowhere/other.gguf",
                        "--model",
                        "owner/repo",
                        "--max-loaded-models",
                        "2",
                        "--preload",
                        "small,stories260K",
                        "--load-timeout",
                        "30")
                .models();
        assertThat(m.models())
                .containsExactly(
                        new ModelsConfig.Spec("stories260K", "/nowhere/stories260K"),
                        new ModelsConfig.Spec("small", "/nowhere/other.gguf"),
                        new ModelsConfig.Spec("owner/repo", "owner/repo"));
        assertThat(m.defaultModel().source()).isEqualTo("/nowhere/stories260K");
        assertThat(m.maxLoaded()).isEqualTo(2);
        assertThat(m.preload()).containsExactly("small", "stories260K");
        assertThat(m.loadTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void defaultsPreloadTheFirstModelOnly() {
        ModelsConfig m = parse("--model", "a=x", "--model", "b=y").models();
        assertThat(m.preload()).isEqualTo(List.of("a"));
        assertThat(m.maxLoaded()).isZero();
        assertThat(parse("--model", "a=x", "--model", "b=y", "--preload", "none")
                        .models()
                        .preload())
                .isEmpty();
        assertThat(parse("--model", "a=x", "--model", "b=y", "--preload", "all")
                        .models()
                        .preload())
                .containsExactly("a", "b");
    }

    @Test
    void keepAliveIsADurationUntilTheRoomIsNeededByDefault() {
        assertThat(KeepAlive.isForever(parse("--model", "a=x").models().keepAlive()))
                .isTrue();
        assertThat(parse("--model", "a=x", "--keep-alive", "5m").models().keepAlive())
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(parse("--model", "a=x", "--keep-alive", "90").models().keepAlive())
                .isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> parse("--model", "a=x", "--keep-alive", "soon").models())
                .hasMessageContaining("--keep-alive soon");
    }

    @Test
    void mistakesAreExplained() {
        assertThatThrownBy(() -> parse("--model", "a=x", "--model", "a=y").models())
                .hasMessageContaining("two models are named 'a'");
        assertThatThrownBy(() -> parse("--model", "a=x", "--preload", "zzz").models())
                .hasMessageContaining("--preload zzz");
        assertThatThrownBy(
                        () -> parse("--model", "a=x", "--model", "b=y", "--preload", "all", "--max-loaded-models", "1")
                                .models())
                .hasMessageContaining("--max-loaded-models is 1");
    }

    @Test
    void memoryBudgetAndModelsDir(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Files.createDirectory(dir.resolve("b-model"));
        java.nio.file.Files.writeString(dir.resolve("b-model/config.json"), "{}");
        java.nio.file.Files.writeString(dir.resolve("a.gguf"), "GGUF");
        ModelsConfig m = parse("--model", "first=x", "--models-dir", dir.toString(), "--memory-budget", "1.5G")
                .models();
        assertThat(m.memoryBudget()).isEqualTo(3L << 29);
        assertThat(m.models().stream().map(ModelsConfig.Spec::name)).containsExactly("first", "a", "b-model");
        assertThat(m.defaultModel().name()).isEqualTo("first");
        ModelsConfig dirOnly = parse("--models-dir", dir.toString()).models();
        assertThat(dirOnly.defaultModel().name()).isEqualTo("a");
        assertThat(parse("--models-dir", dir.toString()).config().model())
                .isEqualTo(dir.resolve("a.gguf").toAbsolutePath().toString());
        assertThatThrownBy(
                        () -> parse("--model", "a=x", "--memory-budget", "lots").models())
                .hasMessageContaining("--memory-budget lots");
        assertThatThrownBy(() ->
                        parse("--models-dir", dir.resolve("nothing").toString()).models())
                .hasMessageContaining("no such folder");
    }
}
