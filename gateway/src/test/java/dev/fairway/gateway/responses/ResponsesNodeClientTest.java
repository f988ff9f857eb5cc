package dev.fairway.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.SharedGateway;
import dev.fairway.gateway.TestGateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The official `openai` npm package's responses and conversations clients, function tools included
 * (src/test/node/responses.mjs).
 */
class ResponsesNodeClientTest {
    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();

    @Test
    void nodeClientCreatesStreamsAndContinuesResponses() throws Exception {
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules/openai")))
            run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), 300);
        String out = run(List.of("node", "responses.mjs", SharedGateway.get().baseUrl()), 120);
        Map<String, JsonNode> checks = new HashMap<>();
        for (String line : out.strip().split("\n")) {
            if (line.startsWith("{")) checks.put(Http.parse(line).get("check").asText(), Http.parse(line));
        }
        JsonNode create = checks.get("create");
        assertThat(create.get("text").asText()).startsWith(TestGateway.STORY);
        assertThat(create.get("status").asText()).isEqualTo("incomplete");
        assertThat(create.get("output_tokens").asInt()).isEqualTo(12);
        assertThat(create.get("cached_tokens").isInt()).isTrue();

        JsonNode stream = checks.get("stream");
        assertThat(Http.JSON.convertValue(stream.get("types"), List.class))
                .containsExactly(
                        "response.created",
                        "response.in_progress",
                        "response.output_item.added",
                        "response.content_part.added",
                        "response.output_text.delta",
                        "response.output_text.done",
                        "response.content_part.done",
                        "response.output_item.done",
                        "response.incomplete");
        JsonNode seq = stream.get("sequence");
        for (int i = 0; i < seq.size(); i++) assertThat(seq.get(i).asInt()).isEqualTo(i);
        assertThat(stream.get("deltas").asText()).isEqualTo(create.get("text").asText());
        assertThat(stream.get("final_text").asText())
                .isEqualTo(create.get("text").asText());

        JsonNode previous = checks.get("previous");
        assertThat(previous.get("previous").asBoolean()).isTrue();
        assertThat(previous.get("second_input").asInt())
                .isGreaterThan(previous.get("alone_input").asInt() + 8);

        JsonNode conv = checks.get("conversation");
        assertThat(conv.get("turn2_input").asInt())
                .isGreaterThan(conv.get("turn1_input").asInt() + 8);
        JsonNode items = conv.get("items");
        assertThat(items).hasSize(4);
        assertThat(items.get(0).toString()).isEqualTo("[\"user\",\"input_text\",\"Once upon a time\"]");
        assertThat(items.get(1).get(1).asText()).isEqualTo("output_text");
        assertThat(items.get(2).toString()).isEqualTo("[\"user\",\"input_text\",\" She\"]");
        assertThat(items.get(3).get(2).asText()).isEqualTo(conv.get("reply2").asText());

        JsonNode tools = checks.get("tools"); // function tools: forced call streamed, then answered
        assertThat(tools.get("name").asText()).isEqualTo("get_weather");
        assertThat(tools.get("calls").asInt()).isEqualTo(1); // parallel_tool_calls: false
        assertThat(Http.parse(tools.get("arguments").asText()).get("city").isTextual())
                .isTrue();
        assertThat(tools.get("streamed").asText())
                .isEqualTo(tools.get("arguments").asText());
        assertThat(tools.get("answered").asText()).isEqualTo("incomplete"); // max_output_tokens 4
        assertThat(tools.get("item").asText()).isEqualTo("function_call_output");
        assertThat(tools.get("item_call_id").asText())
                .isEqualTo(tools.get("call_id").asText());

        JsonNode isolation = checks.get("isolation");
        assertThat(isolation.get("items_status").asInt()).isEqualTo(404);
        assertThat(isolation.get("response_status").asInt()).isEqualTo(404);
    }

    private static String run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .directory(NODE_DIR.toFile())
                .redirectErrorStream(true)
                .start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " timed out");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(command + " output:\n" + out).isZero();
        return out;
    }
}
