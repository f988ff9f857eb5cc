package dev.fairway.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.fairway.engine.model.Model;
import dev.fairway.engine.tools.ToolCall;
import dev.fairway.engine.tools.ToolCallExtractor;
import dev.fairway.engine.tools.ToolChoice;
import dev.fairway.engine.tools.ToolSpec;
import dev.fairway.engine.tools.Tools;
import dev.fairway.testkit.TestModels;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Forced tool calls from stories260K (no tool template: the generic fallback prompt and Hermes format). */
class ToolCallingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static Engine engine;

    @BeforeAll
    static void start() {
        engine = Engine.create(
                Model.load(TestModels.stories(), null),
                EngineConfig.builder().kvCacheTokens(8192).maxBatchTokens(256).build());
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    @Test
    void requiredToolChoiceAlwaysYieldsCallsWithValidArguments() throws Exception {
        SchemaRegistry validators = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        for (int i = 0; i < 10; i++) {
            // stories260K's context is 512 tokens: one tool's schema at a time leaves room for the answer
            List<ToolSpec> specs = i % 2 == 0
                    ? List.of(new ToolSpec("get_weather", "Weather", weather()))
                    : List.of(new ToolSpec("get_time", "", small()));
            Tools tools =
                    new Tools(specs, i % 2 == 0 ? ToolChoice.REQUIRED : ToolChoice.function("get_time"), i % 3 == 0);
            Prompt prompt = Prompt.chat(List.of(ChatMessage.user("What is the weather?")), tools);
            // stories260K's context is 512 tokens, and the tools take much of it: the rest is the budget
            int left = engine.modelInfo().contextLength() - engine.promptTokens(prompt).length;
            var result = engine.generate(GenerationRequest.of(
                    prompt,
                    SamplingParams.builder()
                            .temperature(1f)
                            .seed((long) i)
                            .maxTokens(left)
                            .build()));
            ToolCallExtractor x = new ToolCallExtractor(Set.of("get_weather", "get_time"));
            x.feed(result.first().text());
            x.finish();
            assertThat(x.calls()).as(result.first().text()).isNotEmpty();
            if (i % 2 == 1) assertThat(x.calls()).allMatch(c -> c.name().equals("get_time"));
            for (ToolCall c : x.calls()) {
                JsonNode schema = specs.stream()
                        .filter(t -> t.name().equals(c.name()))
                        .findFirst()
                        .orElseThrow()
                        .parameters();
                assertThat(validators.getSchema(schema).validate(JSON.readTree(c.arguments())))
                        .as(c.arguments() + " in " + result.first().text() + " "
                                + result.first().finishReason() + " " + result.usage())
                        .isEmpty();
            }
        }
    }

    static JsonNode weather() {
        try {
            return JSON.readTree("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":12},"
                    + "\"days\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"maxItems\":3},"
                    + "\"unit\":{\"anyOf\":[{\"enum\":[\"C\",\"F\"]},{\"type\":\"null\"}]}},"
                    + "\"required\":[\"city\",\"unit\"],\"additionalProperties\":false}");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode small() {
        try {
            return JSON.readTree("{\"type\":\"object\",\"properties\":{\"tz\":{\"enum\":[\"UTC\",\"CET\"]}},"
                    + "\"required\":[\"tz\"],\"additionalProperties\":false}");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theFallbackPromptOffersToolsAndReplaysCallsAndResults() {
        var tools = new Tools(List.of(new ToolSpec("get_time", "The time", null)), ToolChoice.AUTO, true);
        String prompt = engine.renderChat(
                List.of(
                        ChatMessage.user("Time?"),
                        ChatMessage.assistant("", List.of(new ToolCall("call_1", "get_time", "{}"))),
                        ChatMessage.toolResult("call_1", "12:00")),
                tools);
        assertThat(prompt)
                .contains("{\"name\": \"get_time\", \"description\": \"The time\"")
                .contains("<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>")
                .contains("<tool_response>\n12:00\n</tool_response>");
    }
}
