package dev.fairway.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.ReturnBehavior;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tools and JSON outputs through the provider on stories260K, which knows nothing of either: forced tool calls and
 * JSON schemas are generated under a grammar, so they are valid whatever the model would have said.
 */
class ToolsAndJsonTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ToolSpecification WEATHER = ToolSpecification.builder()
            .name("get_weather")
            .description("Weather")
            .parameters(JsonObjectSchema.builder()
                    .addEnumProperty("unit", List.of("C", "F"))
                    .addIntegerProperty("days")
                    .required("unit", "days")
                    .additionalProperties(false)
                    .build())
            .build();

    static LocalChatModel model;

    @BeforeAll
    static void start() {
        model = TestModels.chat().temperature(1.0).build();
    }

    @AfterAll
    static void stop() {
        model.close();
    }

    @Test
    void toolChoiceRequiredYieldsACallWithValidArguments() throws Exception {
        for (int i = 0; i < 5; i++) {
            ChatResponse r = model.chat(ChatRequest.builder()
                    .messages(UserMessage.from("Weather?"))
                    .parameters(ChatRequestParameters.builder()
                            .toolSpecifications(WEATHER)
                            .toolChoice(ToolChoice.REQUIRED)
                            .build())
                    .build());
            assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
            ToolExecutionRequest call = r.aiMessage().toolExecutionRequests().get(0);
            assertThat(call.name()).isEqualTo("get_weather");
            var args = JSON.readTree(call.arguments());
            assertThat(args.get("unit").asText()).isIn("C", "F");
            assertThat(args.get("days").isIntegralNumber()).isTrue();
        }
    }

    @Test
    void toolResultsGoBackToTheModel() {
        ToolExecutionRequest call = ToolExecutionRequest.builder()
                .id("call_1")
                .name("get_weather")
                .arguments("{\"unit\": \"C\", \"days\": 1}")
                .build();
        ChatResponse r = model.chat(ChatRequest.builder()
                .messages(
                        UserMessage.from("Weather?"),
                        AiMessage.from(call),
                        ToolExecutionResultMessage.from(call, "sunny"))
                .parameters(ChatRequestParameters.builder()
                        .toolSpecifications(WEATHER)
                        .maxOutputTokens(10)
                        .build())
                .build());
        assertThat(r.aiMessage()).isNotNull();
    }

    @Test
    void jsonResponseFormatAlwaysParses() throws Exception {
        for (int i = 0; i < 5; i++) {
            String text = model.chat(ChatRequest.builder()
                            .messages(UserMessage.from("Once upon a time"))
                            .parameters(ChatRequestParameters.builder()
                                    .responseFormat(ResponseFormat.JSON)
                                    .maxOutputTokens(30)
                                    .build())
                            .build())
                    .aiMessage()
                    .text();
            assertThat(JSON.readTree(text).isObject()).as(text).isTrue();
        }
    }

    record Weather(String city, int days, boolean sunny) {}

    interface Forecaster {
        Weather forecast(String question);
    }

    @Test
    void aiServiceReturnsARecordThroughAJsonSchema() {
        assertThat(model.supportedCapabilities()).contains(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
        Forecaster f = AiServices.builder(Forecaster.class).chatModel(model).build();
        Weather w = f.forecast("Weather in Oslo?");
        assertThat(w).isNotNull(); // parsed from JSON valid against the record's schema (its fields are optional)
    }

    static final class WeatherTools {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool(value = "Weather in a city", returnBehavior = ReturnBehavior.IMMEDIATE)
        String weather(@P("the city") String city) {
            calls.add(city);
            return "sunny in " + city;
        }
    }

    interface Assistant {
        Result<String> ask(String question);
    }

    @Test
    void aiServiceCallsATool() {
        WeatherTools tools = new WeatherTools();
        try (LocalChatModel forced = TestModels.chat()
                .temperature(1.0)
                .defaultRequestParameters(ChatRequestParameters.builder()
                        .toolChoice(ToolChoice.REQUIRED)
                        .build())
                .build()) {
            ChatModel chat = forced;
            Assistant a = AiServices.builder(Assistant.class)
                    .chatModel(chat)
                    .tools(tools)
                    .build();
            Result<String> r = a.ask("Weather in Oslo?");
            assertThat(tools.calls).hasSize(r.toolExecutions().size()).isNotEmpty();
            assertThat(r.toolExecutions().get(0).result()).startsWith("sunny in ");
        }
    }

    enum City {
        OSLO,
        ROME
    }

    static final class CityWeather {
        final List<City> asked = new CopyOnWriteArrayList<>();

        @Tool("The weather in a city")
        String weather(@P("the city") City city) {
            asked.add(city);
            return "sunny";
        }
    }

    /**
     * Forces a call on the question only (with room for it): the tool's result then goes back to the model, which
     * answers in text, so AiServices' loop ends.
     */
    static ChatRequest callFirst(ChatRequest request) {
        List<dev.langchain4j.data.message.ChatMessage> ms = request.messages();
        if (!(ms.get(ms.size() - 1) instanceof UserMessage)) return request;
        return request.toBuilder()
                .parameters(request.parameters()
                        .overrideWith(ChatRequestParameters.builder()
                                .toolChoice(ToolChoice.REQUIRED)
                                .maxOutputTokens(200)
                                .build()))
                .build();
    }

    @Test
    void aiServiceRunsAToolAndCompletesTheLoop() {
        CityWeather tools = new CityWeather();
        try (LocalChatModel greedy =
                TestModels.chat().temperature(0.0).maxTokens(12).build()) {
            Assistant a = AiServices.builder(Assistant.class)
                    .chatModel(greedy)
                    .tools(tools)
                    .chatRequestTransformer(ToolsAndJsonTest::callFirst)
                    .build();
            Result<String> r = a.ask("Weather in Oslo?");
            // the grammar made the arguments valid: LangChain4j parsed them into the enum and ran the method
            assertThat(tools.asked).isNotEmpty().doesNotContainNull();
            assertThat(r.toolExecutions()).hasSize(tools.asked.size());
            assertThat(r.toolExecutions().get(0).result()).isEqualTo("sunny");
            // and the loop ended with the model's text answer to the tool's result
            assertThat(r.finishReason()).isNotEqualTo(FinishReason.TOOL_EXECUTION);
            assertThat(r.content()).isNotBlank();
        }
    }

    @Test
    void streamedToolCallsArriveAsPartialsThatReassembleToTheCompleteCall() throws Exception {
        try (LocalStreamingChatModel streaming =
                TestModels.streaming().temperature(1.0).build()) {
            for (int i = 0; i < 3; i++) {
                List<PartialToolCall> partials = new CopyOnWriteArrayList<>();
                List<CompleteToolCall> completes = new CopyOnWriteArrayList<>();
                CompletableFuture<ChatResponse> done = new CompletableFuture<>();
                streaming.chat(
                        ChatRequest.builder()
                                .messages(UserMessage.from("Weather?"))
                                .parameters(ChatRequestParameters.builder()
                                        .toolSpecifications(WEATHER)
                                        .toolChoice(ToolChoice.REQUIRED)
                                        .build())
                                .build(),
                        new StreamingChatResponseHandler() {
                            @Override
                            public void onPartialToolCall(PartialToolCall call) {
                                partials.add(call);
                            }

                            @Override
                            public void onCompleteToolCall(CompleteToolCall call) {
                                completes.add(call);
                            }

                            @Override
                            public void onCompleteResponse(ChatResponse response) {
                                done.complete(response);
                            }

                            @Override
                            public void onError(Throwable error) {
                                done.completeExceptionally(error);
                            }
                        });
                ChatResponse r = done.get(120, TimeUnit.SECONDS);
                List<ToolExecutionRequest> calls = r.aiMessage().toolExecutionRequests();
                assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
                assertThat(completes).hasSize(calls.size()).isNotEmpty();
                for (int c = 0; c < calls.size(); c++) {
                    ToolExecutionRequest call = calls.get(c);
                    assertThat(completes.get(c).index()).isEqualTo(c);
                    assertThat(completes.get(c).toolExecutionRequest()).isEqualTo(call);
                    StringBuilder arguments = new StringBuilder();
                    for (PartialToolCall p : partials) {
                        if (p.index() != c) continue;
                        assertThat(p.id()).isEqualTo(call.id());
                        assertThat(p.name()).isEqualTo("get_weather");
                        arguments.append(p.partialArguments());
                    }
                    assertThat(arguments.toString().strip()).isEqualTo(call.arguments());
                    var args = JSON.readTree(call.arguments());
                    assertThat(args.get("unit").asText()).isIn("C", "F");
                }
            }
        }
    }
}
