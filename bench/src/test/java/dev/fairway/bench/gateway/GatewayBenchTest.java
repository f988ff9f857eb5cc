package dev.fairway.bench.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `fairway bench gateway`: its minimal HTTP client, and one tiny end-to-end run. */
class GatewayBenchTest {
    private static final String STREAM =
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"stream\":true,"
                    + "\"max_tokens\":8,\"temperature\":0,\"ignore_eos\":true,\"stream_options\":{\"include_usage\":true}}";

    @Test
    void loopbackClientReadsLengthAndChunkedBodiesOverOneConnection() throws Exception {
        try (Gateway g = TestGateway.start();
                LoopbackClient client = new LoopbackClient(URI.create(g.baseUrl()))) {
            List<String> models = new ArrayList<>();
            assertThat(client.exchange("GET", "/v1/models", null, models::add)).isEqualTo(200);
            assertThat(String.join("\n", models)).contains("\"object\":\"list\"");

            List<String> expected = new Http(g.baseUrl()).stream("/v1/chat/completions", STREAM);
            for (int i = 0; i < 2; i++) { // the second exchange reuses the connection
                List<String> lines = new ArrayList<>();
                assertThat(client.exchange(
                                "POST", "/v1/chat/completions", STREAM.getBytes(StandardCharsets.UTF_8), lines::add))
                        .isEqualTo(200);
                List<String> data = lines.stream()
                        .filter(l -> l.startsWith("data: "))
                        .map(l -> l.substring(6))
                        .toList();
                assertThat(data).hasSameSizeAs(expected).last().isEqualTo("[DONE]");
                assertThat(content(data)).isEqualTo(content(expected)).isNotEmpty();
            }
            assertThat(client.exchange("GET", "/no/such/route", null, line -> {}))
                    .isEqualTo(404);
        }
    }

    private static String content(List<String> data) {
        StringBuilder text = new StringBuilder();
        for (String d : data.subList(0, data.size() - 1)) {
            for (JsonNode c : Http.parse(d).get("choices"))
                text.append(c.path("delta").path("content").asText(""));
        }
        return text.toString();
    }

    @Test
    void benchReportsBothPathsAndTheIdleTtft() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = new CommandLine(new GatewayBenchCommand())
                    .execute(
                            "--model",
                            TestGateway.modelPath(),
                            "--streams",
                            "3",
                            "--requests-per-stream",
                            "2",
                            "--max-tokens",
                            "5",
                            "--rounds",
                            "2",
                            "--warmup",
                            "1",
                            "--idle-warmup",
                            "1",
                            "--idle-samples",
                            "3",
                            "--json");
        } finally {
            System.setOut(original);
        }
        assertThat(exit).isZero();
        JsonNode report = Http.JSON.readTree(out.toString(StandardCharsets.UTF_8));
        long tokens = 3 * 2 * 5 * 2; // streams x requests x max tokens x rounds
        assertThat(report.get("in_process").get("tokens").asLong()).isEqualTo(tokens);
        assertThat(report.get("http_sse").get("tokens").asLong()).isEqualTo(tokens);
        assertThat(report.get("client").asText()).isEqualTo("loopback");
        assertThat(report.get("idle_ttft").get("samples").asInt()).isEqualTo(3);
        assertThat(report.get("idle_ttft").get("http_p50_ms").asDouble()).isPositive();
        assertThat(report.get("gateway_cpu_pct_of_engine").asDouble()).isPositive();
        JsonNode idle = report.get("idle_ttft");
        assertThat(idle.get("added_p50_ms").asDouble())
                .isBetween(
                        idle.get("added_p50_ci95_low_ms").asDouble(),
                        idle.get("added_p50_ci95_high_ms").asDouble());
    }
}
