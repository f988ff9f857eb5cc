package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.SharedGateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The official `openai` npm package (src/test/node/script.mjs) against the gateway. */
class OpenAiNodeClientTest {
    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();

    @Test
    void nodeOpenAiClientChatsStreamsAndSeesErrors() throws Exception {
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules/openai"))) {
            run(
                    List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"),
                    300); // ./fairway test does this already
        }
        String out = run(List.of("node", "script.mjs", SharedGateway.get().baseUrl()), 120);
        Map<String, JsonNode> checks = new HashMap<>();
        for (String line : out.strip().split("\n")) {
            if (!line.startsWith("{")) continue; // node warnings
            JsonNode n = Http.parse(line);
            checks.put(n.get("check").asText(), n);
        }
        JsonNode chat = checks.get("chat");
        assertThat(chat.get("content").asText()).startsWith(ChatCompletionsHttpTest.STORY);
        assertThat(chat.get("finish_reason").asText()).isEqualTo("length");
        assertThat(chat.get("completion_tokens").asInt()).isEqualTo(16);
        assertThat(chat.get("cached_tokens").isInt()).isTrue();
        JsonNode stream = checks.get("stream");
        assertThat(stream.get("content").asText()).isEqualTo(chat.get("content").asText());
        assertThat(stream.get("role").asText()).isEqualTo("assistant");
        assertThat(stream.get("chunks").asInt()).isGreaterThan(3);
        assertThat(stream.get("completion_tokens").asInt()).isEqualTo(16);
        JsonNode tools = checks.get("tools");
        assertThat(tools.get("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(tools.get("name").asText()).isEqualTo("get_weather");
        assertThat(tools.get("id").asText()).startsWith("call_");
        assertThat(tools.get("arguments").get("unit").asText()).isIn("C", "F");
        assertThat(tools.get("arguments").get("city").asText().length()).isLessThanOrEqualTo(8);
        JsonNode toolStream = checks.get("tool_stream");
        assertThat(toolStream.get("name").asText()).isEqualTo("get_weather");
        assertThat(toolStream.get("arguments").asText())
                .isEqualTo(toolStream.get("expected").asText());
        JsonNode structured = checks.get("structured").get("value");
        assertThat(structured.get("unit").asText()).isIn("C", "F");
        JsonNode bad = checks.get("bad_tool_choice");
        assertThat(bad.get("status").asInt()).isEqualTo(400);
        assertThat(bad.get("param").asText()).isEqualTo("tool_choice");
        assertThat(bad.get("type").asText()).isEqualTo("invalid_request_error");
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
