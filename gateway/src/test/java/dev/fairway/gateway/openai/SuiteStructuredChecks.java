package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import java.util.List;
import java.util.function.Function;

/**
 * The shared suites' tool and JSON tests, with their world-knowledge assertions ("Munich", "Berlin") replaced by
 * what a 260K-parameter story model can be held to under constrained decoding: forced calls are well-formed with
 * schema-valid arguments, JSON answers parse and match their schema, tool results go back and get an answer.
 * Tools are kept small: their schemas go into stories260K's 512-token context along with the answer.
 */
public final class SuiteStructuredChecks {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final ToolSpecification WEATHER = ToolSpecification.builder()
            .name("getWeather")
            .description("weather")
            .parameters(JsonObjectSchema.builder()
                    .addEnumProperty("city", List.of("Munich", "Paris"))
                    .required("city")
                    .additionalProperties(false)
                    .build())
            .build();
    static final ToolSpecification TIME =
            ToolSpecification.builder().name("getTime").description("time").build();

    private SuiteStructuredChecks() {}

    /** A forced call to one of the tools, executed, its result sent back, answered. */
    static void toolThenAnswer(Function<ChatRequest, ChatResponse> chat, ToolSpecification tool) throws Exception {
        UserMessage question = UserMessage.from("Weather in Munich?");
        ChatResponse first = chat.apply(ChatRequest.builder()
                .messages(question)
                .parameters(ChatRequestParameters.builder()
                        .toolSpecifications(tool)
                        .toolChoice(ToolChoice.REQUIRED)
                        .build())
                .build());
        ToolExecutionRequest call = assertCall(first, tool);
        ChatResponse second = chat.apply(ChatRequest.builder()
                .messages(question, first.aiMessage(), ToolExecutionResultMessage.from(call, "sunny"))
                .parameters(ChatRequestParameters.builder()
                        .toolSpecifications(tool)
                        .maxOutputTokens(10)
                        .build())
                .build());
        assertThat(second.aiMessage()).isNotNull();
    }

    /** A forced call, its result sent back, answered in JSON under a schema (the suite's city/sunny question). */
    static void toolThenJsonAnswer(Function<ChatRequest, ChatResponse> chat) throws Exception {
        UserMessage question = UserMessage.from("Weather in Munich?");
        ChatResponse first = chat.apply(ChatRequest.builder()
                .messages(question)
                .parameters(ChatRequestParameters.builder()
                        .toolSpecifications(WEATHER)
                        .toolChoice(ToolChoice.REQUIRED)
                        .build())
                .build());
        ToolExecutionRequest call = assertCall(first, WEATHER);
        JsonSchema answer = JsonSchema.builder()
                .name("Weather")
                .rootElement(JsonObjectSchema.builder()
                        .addEnumProperty("city", List.of("Munich", "Paris"))
                        .addBooleanProperty("sunny")
                        .required("city", "sunny")
                        .additionalProperties(false)
                        .build())
                .build();
        // the first call alone goes back: a story model makes up to four, and stories260K's context is 512 tokens
        ChatResponse second = chat.apply(ChatRequest.builder()
                .messages(question, AiMessage.from(call), ToolExecutionResultMessage.from(call, "sunny"))
                .parameters(ChatRequestParameters.builder()
                        .toolSpecifications(WEATHER)
                        .responseFormat(ResponseFormat.builder()
                                .type(ResponseFormatType.JSON)
                                .jsonSchema(answer)
                                .build())
                        .build())
                .build());
        String text = second.aiMessage().text();
        assertThat(second.aiMessage().hasToolExecutionRequests()).isFalse();
        assertThat(second.finishReason()).as(text).isEqualTo(FinishReason.STOP);
        JsonNode weather = JSON.readTree(text);
        assertThat(weather.get("city").asText()).as(text).isIn("Munich", "Paris");
        assertThat(weather.get("sunny").isBoolean()).as(text).isTrue();
    }

    static void forcedCall(Function<ChatRequest, ChatResponse> chat, ToolSpecification... tools) throws Exception {
        ChatResponse r = chat.apply(ChatRequest.builder()
                .messages(UserMessage.from("Weather in Munich?"))
                .parameters(ChatRequestParameters.builder()
                        .toolSpecifications(tools)
                        .toolChoice(ToolChoice.REQUIRED)
                        .build())
                .build());
        assertCall(r, tools);
    }

    private static ToolExecutionRequest assertCall(ChatResponse r, ToolSpecification... tools) throws Exception {
        AiMessage m = r.aiMessage();
        assertThat(m.hasToolExecutionRequests()).as(String.valueOf(m)).isTrue();
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
        ToolExecutionRequest call = m.toolExecutionRequests().get(0);
        assertThat(call.id()).isNotBlank();
        assertThat(List.of(tools).stream().map(ToolSpecification::name)).contains(call.name());
        JsonNode args = JSON.readTree(call.arguments());
        if (call.name().equals("getWeather"))
            assertThat(args.get("city").asText()).isIn("Munich", "Paris");
        else assertThat(args.isObject()).isTrue();
        return call;
    }

    public static void jsonObject(Function<ChatRequest, ChatResponse> chat) throws Exception {
        String text = chat.apply(ChatRequest.builder()
                        .messages(UserMessage.from("Once upon a time"))
                        .parameters(ChatRequestParameters.builder()
                                .responseFormat(ResponseFormat.JSON)
                                .maxOutputTokens(40)
                                .build())
                        .build())
                .aiMessage()
                .text();
        assertThat(JSON.readTree(text).isObject()).as(text).isTrue();
    }

    public static void jsonSchema(Function<ChatRequest, ChatResponse> chat, boolean raw) throws Exception {
        JsonSchema schema = JsonSchema.builder()
                .name("Person")
                .rootElement(
                        raw
                                ? JsonRawSchema.from(
                                        "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\","
                                                + "\"maxLength\":8},\"age\":{\"type\":\"integer\"}},\"required\":[\"name\",\"age\"],"
                                                + "\"additionalProperties\":false}")
                                : JsonObjectSchema.builder()
                                        .addStringProperty("name")
                                        .addIntegerProperty("age")
                                        .required("name", "age")
                                        .additionalProperties(false)
                                        .build())
                .build();
        String text = chat.apply(ChatRequest.builder()
                        .messages(UserMessage.from("John is 42 years old."))
                        .parameters(ChatRequestParameters.builder()
                                .responseFormat(ResponseFormat.builder()
                                        .type(ResponseFormatType.JSON)
                                        .jsonSchema(schema)
                                        .build())
                                .build())
                        .build())
                .aiMessage()
                .text();
        JsonNode person = JSON.readTree(text);
        assertThat(person.get("name").isTextual()).as(text).isTrue();
        assertThat(person.get("age").isIntegralNumber()).as(text).isTrue();
    }
}
