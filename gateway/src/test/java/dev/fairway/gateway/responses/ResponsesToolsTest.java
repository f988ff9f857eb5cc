package dev.fairway.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ToolChoiceFunction;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.SharedGateway;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Function tools through the Responses API, as chat completions has them: a forced call comes back as a
 * function_call item whose arguments fit the tool's schema, streamed as OpenAI streams calls, stored with the same
 * call id, and answered with a function_call_output in a follow-up (the official OpenAI Java SDK and raw HTTP).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponsesToolsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WEATHER =
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":10},"
                    + "\"unit\":{\"enum\":[\"C\",\"F\"]}},\"required\":[\"city\",\"unit\"],"
                    + "\"additionalProperties\":false}";
    private static final String FORCED = "{\"model\":\"stories260K\",\"temperature\":0,\"input\":\"Weather in Oslo?\","
            + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"description\":\"Today's weather\","
            + "\"parameters\":" + WEATHER + "}],\"tool_choice\":{\"type\":\"function\",\"name\":\"get_weather\"}";

    private OpenAIClient client;
    private Http http;

    @BeforeAll
    void start() {
        client = OpenAIOkHttpClient.builder()
                .baseUrl(SharedGateway.get().baseUrl() + "/v1")
                .apiKey("unused-on-loopback")
                .putHeader("X-Fairway-User", "tools-sdk")
                .maxRetries(0)
                .build();
        http = new Http(SharedGateway.get().baseUrl());
    }

    private static void assertFitsTheSchema(String arguments) throws Exception {
        var schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(JSON.readTree(WEATHER));
        assertThat(schema.validate(JSON.readTree(arguments))).as(arguments).isEmpty();
    }

    @Test
    void theJavaSdkGetsAFunctionCallAndAnswersItInAFollowUp() throws Exception {
        Map<String, JsonValue> parameters =
                JSON.convertValue(JSON.readTree(WEATHER), new com.fasterxml.jackson.core.type.TypeReference<>() {});
        FunctionTool tool = FunctionTool.builder()
                .name("get_weather")
                .parameters(FunctionTool.Parameters.builder()
                        .additionalProperties(parameters)
                        .build())
                .strict(true)
                .build();
        Response r = client.responses()
                .create(ResponseCreateParams.builder()
                        .model("stories260K")
                        .input("What is the weather in Oslo?")
                        .addTool(tool)
                        .toolChoice(
                                ToolChoiceFunction.builder().name("get_weather").build())
                        .parallelToolCalls(false) // one call: the follow-up's history stays within the context
                        .temperature(0.0)
                        .build());
        assertThat(r.status()).contains(ResponseStatus.COMPLETED);
        List<ResponseFunctionToolCall> calls = r.output().stream()
                .filter(ResponseOutputItem::isFunctionCall)
                .map(ResponseOutputItem::asFunctionCall)
                .toList();
        assertThat(calls).isNotEmpty();
        ResponseFunctionToolCall call = calls.get(0);
        assertThat(call.name()).isEqualTo("get_weather");
        assertFitsTheSchema(call.arguments());
        assertThat(r.tools()).hasSize(1);

        Response stored = client.responses().retrieve(r.id());
        ResponseFunctionToolCall again = stored.output().stream()
                .filter(ResponseOutputItem::isFunctionCall)
                .map(ResponseOutputItem::asFunctionCall)
                .findFirst()
                .orElseThrow();
        assertThat(again.callId()).isEqualTo(call.callId());
        assertThat(again.arguments()).isEqualTo(call.arguments());

        Response answer = client.responses()
                .create(ResponseCreateParams.builder()
                        .model("stories260K")
                        .previousResponseId(r.id())
                        .inputOfResponse(List.of(
                                ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                                        .callId(call.callId())
                                        .output("Sunny, 21 C")
                                        .build())))
                        .temperature(0.0)
                        .maxOutputTokens(4)
                        .build());
        assertThat(answer.previousResponseId()).contains(r.id());
        // the history (question, call, result) is in the prompt: longer than the question alone (both without tools)
        Response alone = client.responses()
                .create(ResponseCreateParams.builder()
                        .model("stories260K")
                        .input("What is the weather in Oslo?")
                        .maxOutputTokens(1)
                        .build());
        assertThat(answer.usage().orElseThrow().inputTokens())
                .isGreaterThan(alone.usage().orElseThrow().inputTokens() + 20);
        var items = client.responses().inputItems().list(answer.id()).data();
        assertThat(items).hasSize(1);
        assertThat(items.get(0).isFunctionCallOutput()).isTrue();
        assertThat(items.get(0).asFunctionCallOutput().callId()).isEqualTo(call.callId());
    }

    @Test
    void aStreamedCallReassemblesToTheStoredOne() throws Exception {
        Http.Response streamed = http.post("/v1/responses", FORCED + ",\"stream\":true}");
        assertThat(streamed.header("Content-Type")).startsWith("text/event-stream");
        List<String> events = streamed.body()
                .lines()
                .filter(l -> l.startsWith("data: "))
                .map(l -> l.substring(6))
                .toList();
        Map<String, StringBuilder> deltas = new java.util.LinkedHashMap<>();
        Map<String, String> done = new java.util.LinkedHashMap<>();
        List<String> names = new java.util.ArrayList<>();
        JsonNode completed = null;
        int sequence = 0;
        for (String data : events) {
            JsonNode e = JSON.readTree(data);
            assertThat(e.get("sequence_number").asInt()).isEqualTo(sequence++);
            switch (e.get("type").asText()) {
                case "response.output_item.added" -> {
                    if (e.at("/item/type").asText().equals("function_call"))
                        names.add(e.at("/item/name").asText());
                }
                case "response.function_call_arguments.delta" ->
                    deltas.computeIfAbsent(e.get("item_id").asText(), k -> new StringBuilder())
                            .append(e.get("delta").asText());
                case "response.function_call_arguments.done" ->
                    done.put(e.get("item_id").asText(), e.get("arguments").asText());
                case "response.completed" -> completed = e.get("response");
                default -> {}
            }
        }
        assertThat(names).isNotEmpty().containsOnly("get_weather");
        assertThat(done).hasSize(names.size());
        for (var d : done.entrySet()) {
            // the deltas are the model's text; the final arguments are that JSON without its surrounding whitespace
            assertThat(deltas.get(d.getKey()).toString().strip()).isEqualTo(d.getValue());
            assertFitsTheSchema(d.getValue());
        }
        assertThat(completed).isNotNull();
        JsonNode output = completed.get("output");
        assertThat(output).hasSize(names.size()); // calls only: the forced call leaves no text
        int i = 0;
        for (var d : done.entrySet()) {
            JsonNode call = output.get(i++);
            assertThat(call.get("type").asText()).isEqualTo("function_call");
            assertThat(call.get("id").asText()).isEqualTo(d.getKey());
            assertThat(call.get("arguments").asText()).isEqualTo(d.getValue());
        }
        JsonNode stored =
                http.get("/v1/responses/" + completed.get("id").asText()).json();
        assertThat(stored.get("output")).isEqualTo(output);
        assertThat(stored.get("tool_choice"))
                .isEqualTo(JSON.readTree("{\"type\":\"function\",\"name\":\"get_weather\"}"));
    }

    @Test
    void aStatelessHistoryWithTheCallAndItsOutputIsAccepted() {
        String body = "{\"model\":\"stories260K\",\"temperature\":0,\"max_output_tokens\":6,\"input\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Oslo?\"},"
                + "{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\",\\\"unit\\\":\\\"C\\\"}\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"Sunny\"}],"
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":" + WEATHER + "}]}";
        Http.Response r = http.post("/v1/responses", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode items = http.get("/v1/responses/" + r.json().get("id").asText() + "/input_items?order=asc")
                .json()
                .get("data");
        assertThat(items).hasSize(3);
        assertThat(items.get(1).get("type").asText()).isEqualTo("function_call");
        assertThat(items.get(1).get("call_id").asText()).isEqualTo("call_1");
        assertThat(items.get(2).get("type").asText()).isEqualTo("function_call_output");
        assertThat(items.get(2).get("output").asText()).isEqualTo("Sunny");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "built-in tool       | \"tools\":[{\"type\":\"web_search\"}]                                   | tools[0].type",
                "bad name            | \"tools\":[{\"type\":\"function\",\"name\":\"a b\"}]                       | tools[0].name",
                "unknown choice      | \"tools\":[{\"type\":\"function\",\"name\":\"f\"}],\"tool_choice\":{\"type\":\"function\",\"name\":\"g\"} | tool_choice",
                "required, no tools  | \"tool_choice\":\"required\"                                              | tool_choice",
                "in a conversation   | \"tools\":[{\"type\":\"function\",\"name\":\"f\"}],\"conversation\":\"conv_x\" | tools",
                "output without id   | \"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]        | input[0].call_id",
            })
    void badToolRequestsAre400sNamingTheField(String what, String fields, String param) {
        String body = fields.contains("\"input\"") ? "{" + fields + "}" : "{\"input\":\"Hi\"," + fields + "}";
        Http.Response r = http.post("/v1/responses", body);
        assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(400);
        assertThat(r.json().at("/error/param").asText()).isEqualTo(param);
    }
}
