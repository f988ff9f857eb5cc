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

/** `fairway bench fairness --json` end to end on a tiny random model (stories260K shape), seconds-long settings. */
class FairnessBenchSmokeTest {
    @Test
    void jsonHasOneObjectPerScenarioAndPolicy() throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = new CommandLine(new FairnessBenchCommand())
                    .execute(
                            "--model-config",
                            TestModels.stories().toString(),
                            "--weights",
                            "F32",
                            "--json",
                            "--duration",
                            "2",
                            "--warmup",
                            "1",
                            "--baseline",
                            "1",
                            "--long-prompt",
                            "200",
                            "--history",
                            "300",
                            "--b-streams",
                            "4");
        } finally {
            System.setOut(saved);
        }
        assertThat(rc).isZero();
        List<JsonNode> rows = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("{")) rows.add(json.readTree(line));
        }
        assertThat(rows)
                .extracting(
                        r -> r.get("scenario").asText() + "/" + r.get("policy").asText())
                .containsExactly("a/FCFS", "a/FAIR", "b/FCFS", "b/FAIR", "c/FCFS", "c/FAIR");
        for (JsonNode r : rows) {
            switch (r.get("scenario").asText()) {
                case "a" -> assertThat(r.get("total_tok_s").asDouble()).isPositive();
                case "b" -> assertThat(r.get("itl_samples_with").asInt()).isPositive();
                default -> assertThat(r.get("turn2_cached_tokens").asInt()).isGreaterThanOrEqualTo(256);
            }
        }
        // the fair policy splits the saturated engine between the two users
        JsonNode fairA = rows.get(1);
        assertThat(fairA.get("a_share").asDouble()).isGreaterThan(0.3);
    }
}
