package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.SharedGateway;
import dev.fairway.testkit.RandomSchemas;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Structured outputs and tool calls from stories260K through the official OpenAI Java SDK. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StructuredOutputsAndToolsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    static final String WEATHER =
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":10},"
                    + "\"days\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"maxItems\":2},"
                    + "\"unit\":{\"anyOf\":[{\"enum\":[\"C\",\"F\"]},{\"type\":\"null\"}]}},"
                    + "\"required\":[\"city\",\"unit\"],\"additionalProperties\":false}";

    private Gateway gateway;
    private OpenAIClient client;

    @BeforeAll
    void start() {
        gateway = SharedGateway.get();
        client = OpenAIOkHttpClient.builder()
                .baseUrl(gateway.baseUrl() + "/v1")
                .apiKey("unused-on-loopback")
                .build();
    }

    private static ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model("stories260K").addUserMessage("Once upon a time");
    }

    private static ChatCompletionFunctionTool weatherTool() throws Exception {
        Map<String, JsonValue> params = JSON
                .convertValue(
                        JSON.readTree(WEATHER),
                        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {})
                .entrySet()
                .stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> JsonValue.from(e.getValue())));
        return ChatCompletionFunctionTool.builder()
                .function(FunctionDefinition.builder()
                        .name("get_weather")
                        .description("Weather")
                        .parameters(FunctionParameters.builder()
                                .additionalProperties(params)
                                .build())
                        .build())
                .build();
    }

    @Test
    void jsonSchemaOutputsAtTemperatureOneParseAndValidate() throws Exception {
        RandomSchemas schemas = new RandomSchemas(2026);
        for (int i = 0; i < 10; i++) {
            ObjectNode schema = schemas.next();
            Map<String, JsonValue> props = new java.util.HashMap<>();
            schema.fields()
                    .forEachRemaining(
                            e -> props.put(e.getKey(), JsonValue.from(JSON.convertValue(e.getValue(), Object.class))));
            ChatCompletion c = client.chat()
                    .completions()
                    .create(chat().temperature(1.0)
                            .seed(i)
                            .responseFormat(ResponseFormatJsonSchema.builder()
                                    .jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                                            .name("s" + i)
                                            .strict(true)
                                            .schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                                                    .additionalProperties(props)
                                                    .build())
                                            .build())
                                    .build())
                            .build());
            String text = c.choices().get(0).message().content().orElseThrow();
            assertThat(VALIDATORS.getSchema(schema).validate(JSON.readTree(text)))
                    .as("%s against %s", text, schema)
                    .isEmpty();
        }
    }

    @Test
    void jsonObjectAlwaysParses() throws Exception {
        for (int i = 0; i < 5; i++) {
            String text = client.chat()
                    .completions()
                    .create(chat().temperature(1.0)
                            .seed(i)
                            .maxCompletionTokens(20 + 10 * i)
                            .responseFormat(ResponseFormatJsonObject.builder().build())
                            .build())
                    .choices()
                    .get(0)
                    .message()
                    .content()
                    .orElseThrow();
            assertThat(JSON.readTree(text).isObject()).as(text).isTrue();
        }
    }

    @Test
    void requiredToolChoiceAlwaysYieldsValidCalls() throws Exception {
        for (int i = 0; i < 6; i++) {
            ChatCompletion c = client.chat()
                    .completions()
                    .create(chat().temperature(1.0)
                            .seed(i)
                            .addTool(weatherTool())
                            .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED)
                            .parallelToolCalls(i % 2 == 0)
                            .build());
            ChatCompletion.Choice choice = c.choices().get(0);
            assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
            var calls = choice.message().toolCalls().orElseThrow();
            assertThat(calls).isNotEmpty();
            for (ChatCompletionMessageToolCall call : calls) {
                var f = call.asFunction().function();
                assertThat(f.name()).isEqualTo("get_weather");
                assertThat(VALIDATORS.getSchema(JSON.readTree(WEATHER)).validate(JSON.readTree(f.arguments())))
                        .as(f.arguments())
                        .isEmpty();
            }
        }
    }

    @Test
    void streamedToolCallDeltasReassembleToTheNonStreamedCall() throws Exception {
        String body =
                "{\"model\":\"stories260K\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
                        + WEATHER
                        + "}}],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}";
        Http http = new Http(gateway.baseUrl());
        JsonNode full = http.post("/v1/chat/completions", body + "}").json();
        JsonNode call = full.at("/choices/0/message/tool_calls/0");
        assertThat(full.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        StringBuilder name = new StringBuilder();
        StringBuilder args = new StringBuilder();
        String finish = null;
        boolean nameBeforeArguments = true;
        for (String data : http.stream("/v1/chat/completions", body + ",\"stream\":true}")) {
            if (data.equals("[DONE]")) break;
            JsonNode choice = JSON.readTree(data).at("/choices/0");
            if (choice.has("finish_reason") && !choice.get("finish_reason").isNull())
                finish = choice.get("finish_reason").asText();
            for (JsonNode d : choice.path("delta").path("tool_calls")) {
                if (d.has("id"))
                    assertThat(d.path("function").path("name").asText()).isNotEmpty();
                name.append(d.path("function").path("name").asText(""));
                if (!d.path("function").path("arguments").asText("").isEmpty() && name.isEmpty())
                    nameBeforeArguments = false;
                args.append(d.path("function").path("arguments").asText(""));
            }
        }
        assertThat(nameBeforeArguments).isTrue();
        assertThat(name.toString()).isEqualTo(call.at("/function/name").asText());
        assertThat(args.toString()).isEqualTo(call.at("/function/arguments").asText());
        assertThat(finish).isEqualTo("tool_calls");
    }

    @Test
    void toolResultsInTheHistoryAreAccepted() {
        String body = "{\"model\":\"stories260K\",\"temperature\":0,\"max_tokens\":8,\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"sunny\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":" + WEATHER
                + "}}]}";
        var r = new Http(gateway.baseUrl()).post("/v1/chat/completions", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }
}
