package dev.fairway.bench.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.testkit.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Runs `bench engine` with tiny settings on the stories260K architecture: checks wiring and output, not speed. */
class EngineBenchCommandSmokeTest {

    @Test
    void jsonLinesForBothSystems() throws Exception {
        String cfg = TestModels.shared().resolve("models/stories260K").toString();
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = new CommandLine(new EngineBenchCommand())
                    .execute(
                            "--model-config",
                            cfg,
                            "--n",
                            "1,2",
                            "--tokens",
                            "6",
                            "--prompt-tokens",
                            "24",
                            "--weights",
                            "Q4",
                            "--json");
        } finally {
            System.setOut(saved);
        }
        assertThat(code).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("{")) lines.add(new ObjectMapper().readTree(line));
        }
        // Fairway: prefill, decode, n=1, n=2. jlama: at least its single-session rows; its concurrent generate() can
        // crash its child JVM (SIGSEGV in libjlama), and then the bench reports the rows it got.
        assertThat(lines.stream().filter(j -> j.get("system").asText().equals("fairway")))
                .hasSize(4);
        assertThat(lines.stream()
                        .filter(j -> j.get("system").asText().equals("jlama"))
                        .count())
                .isBetween(2L, 4L);
        for (JsonNode j : lines) {
            assertThat(j.get("system").asText()).isIn("fairway", "jlama");
            assertThat(j.get("model").asText()).isEqualTo("stories260K");
            assertThat(j.get("weights").asText()).isEqualTo("Q4");
            assertThat(j.get("mode").asText()).isIn("prefill", "decode", "concurrent");
            assertThat(j.get("n").asInt()).isPositive();
            assertThat(j.get("tokens_per_s").asDouble()).isPositive();
            assertThat(j.get("outputs_match_alone").isBoolean()).isTrue();
            if (j.get("system").asText().equals("fairway")) {
                assertThat(j.get("outputs_match_alone").asBoolean())
                        .as(j.toString())
                        .isTrue();
            }
        }
    }
}
