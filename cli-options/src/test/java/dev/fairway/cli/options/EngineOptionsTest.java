package dev.fairway.cli.options;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.engine.EngineConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class EngineOptionsTest {
    private final ByteArrayOutputStream notes = new ByteArrayOutputStream();

    @Command(name = "serve-like")
    static final class Serve implements Runnable {
        @Mixin
        EngineOptions engine;

        @Override
        public void run() {}
    }

    static final class BenchDefaults extends DefaultsFor {
        BenchDefaults() {
            super("--model", "tiny", "--kv-mb", "256", "--weights", "Q4");
        }
    }

    @Command(name = "bench-like", defaultValueProvider = BenchDefaults.class)
    static final class Bench implements Runnable {
        @Mixin
        EngineOptions engine;

        @Override
        public void run() {}
    }

    @Command(name = "compute-like")
    static final class Compute implements Runnable {
        @Mixin
        ComputeOptions compute;

        @Override
        public void run() {}
    }

    @BeforeEach
    void captureNotes() {
        ComputeOptions.notes = new PrintStream(notes, true, StandardCharsets.UTF_8);
    }

    @AfterEach
    void restoreNotes() {
        ComputeOptions.notes = System.err;
    }

    private static <T> T parse(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }

    private String notes() {
        return notes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void defaultsAreTheEngineDefaults() {
        assertThat(System.getenv().keySet())
                .as("no FAIRWAY_* variables in the test environment")
                .noneMatch(k -> k.startsWith("FAIRWAY_"));
        EngineOptions o = parse(new Serve(), "--model", "m").engine;
        EngineConfig built = o.builder().build();
        EngineConfig plain = EngineConfig.builder().model("m").build();
        assertThat(built).isEqualTo(plain);
        assertThat(notes()).isEmpty();
    }

    @Test
    void everyOptionReachesTheConfig() {
        EngineConfig c = parse(
                        new Serve(),
                        "--model",
                        "m",
                        "--weights",
                        "q8",
                        "--threads",
                        "3",
                        "--kv-mb",
                        "64",
                        "--kv-tokens",
                        "4096",
                        "--max-batch",
                        "128",
                        "--max-running",
                        "8",
                        "--max-waiting",
                        "16",
                        "--policy",
                        "FCFS",
                        "--no-prefix-caching",
                        "--model-cache",
                        "/tmp/cache")
                .engine
                .builder()
                .build();
        assertThat(c.model()).isEqualTo("m");
        assertThat(c.weightType()).isEqualTo("Q8");
        assertThat(c.threads()).isEqualTo(3);
        assertThat(c.kvCacheMb()).isEqualTo(64);
        assertThat(c.kvCacheTokens()).isEqualTo(4096);
        assertThat(c.maxBatchTokens()).isEqualTo(128);
        assertThat(c.maxRunningSequences()).isEqualTo(8);
        assertThat(c.maxWaitingRequests()).isEqualTo(16);
        assertThat(c.policy()).isEqualTo(EngineConfig.SchedulingPolicy.FCFS);
        assertThat(c.prefixCaching()).isFalse();
        assertThat(c.modelCacheDir()).isEqualTo(Path.of("/tmp/cache"));
    }

    @Test
    void oldSpellingsStillWorkWithANote() {
        EngineOptions o = parse(new Serve(), "--weight-type", "Q4", "--no-prefix-cache").engine;
        assertThat(o.weights()).isEqualTo("Q4");
        assertThat(o.prefixCaching()).isFalse();
        assertThat(notes())
                .contains("--weight-type is deprecated; use --weights Q4")
                .contains("--[no-]prefix-cache is deprecated; use --no-prefix-caching");
    }

    @Test
    void aCommandCanHaveItsOwnDefaults() {
        EngineOptions o = parse(new Bench()).engine;
        assertThat(o.model()).isEqualTo("tiny");
        assertThat(o.kvMb()).isEqualTo(256);
        assertThat(o.weights()).isEqualTo("Q4");
        assertThat(o.maxRunning()).isEqualTo(32);
        EngineOptions given = parse(new Bench(), "--kv-mb", "512", "--weights", "F32").engine;
        assertThat(given.kvMb()).isEqualTo(512);
        assertThat(given.weights()).isEqualTo("F32");
        String help = new CommandLine(new Bench()).getUsageMessage();
        assertThat(help).contains("default 256").doesNotContain("--weight-type").doesNotContain("--prefix-cache ");
    }

    @Test
    void computeOptionsAlone() {
        ComputeOptions c = parse(new Compute()).compute;
        assertThat(c.weights()).isNull();
        assertThat(c.threadsOrCores()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(parse(new Compute(), "--threads", "2", "--weights", "f32")
                        .compute
                        .threadsOrCores())
                .isEqualTo(2);
        assertThat(new CommandLine(new Compute()).getUsageMessage())
                .contains("--weights")
                .contains("--threads")
                .doesNotContain("--model");
    }

    @Test
    void aMissingModelIsNamedWithItsVariable() {
        EngineOptions o = parse(new Serve()).engine;
        assertThat(o.model()).isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(o::requireModel)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--model (or FAIRWAY_MODEL) is required");
    }
}
