package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.gateway.SharedGateway;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * LangChain4j AiServices through its OpenAI client against the gateway, as an application would write them: a
 * {@code @Tool} the model calls (forced on the question, since stories260K never chooses a tool itself; the grammar
 * makes the call valid) and a record return type (a JSON schema response format, generated under its grammar).
 */
class LangChain4jAiServicesTest {
    private final String baseUrl = SharedGateway.get().baseUrl() + "/v1";

    private OpenAiChatModel.OpenAiChatModelBuilder model() {
        return OpenAiChatModel.builder()
                .baseUrl(baseUrl)
                .apiKey("unused-on-loopback")
                .modelName("stories260K")
                .temperature(0.0)
                .timeout(Duration.ofSeconds(60));
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

    interface Assistant {
        Result<String> ask(String question);
    }

    /** A call is forced on the question only (with room for it); the model answers the tool's result in text. */
    private static ChatRequest callFirst(ChatRequest request) {
        List<ChatMessage> ms = request.messages();
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
    void aToolRunsWithValidArgumentsAndTheLoopCompletes() {
        CityWeather tools = new CityWeather();
        Assistant a = AiServices.builder(Assistant.class)
                .chatModel(model().maxTokens(12).parallelToolCalls(false).build())
                .tools(tools)
                .chatRequestTransformer(LangChain4jAiServicesTest::callFirst)
                .build();
        Result<String> r = a.ask("Weather in Oslo?");
        // the arguments parsed into the enum parameter, and the method ran once per call
        assertThat(tools.asked).hasSize(1).doesNotContainNull();
        assertThat(r.toolExecutions()).hasSize(1);
        assertThat(r.toolExecutions().get(0).request().name()).isEqualTo("weather");
        assertThat(r.toolExecutions().get(0).result()).isEqualTo("sunny");
        assertThat(r.finishReason()).isNotEqualTo(FinishReason.TOOL_EXECUTION);
        assertThat(r.content()).isNotBlank();
    }

    record Forecast(String city, int days, boolean sunny, City nearest) {}

    interface Forecaster {
        Forecast forecast(String question);
    }

    @Test
    void aRecordReturnTypeIsFilledFromASchemaValidAnswer() {
        Forecaster f = AiServices.builder(Forecaster.class)
                .chatModel(model().temperature(1.0)
                        .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA)
                        .strictJsonSchema(true)
                        .build())
                .build();
        for (int i = 0; i < 3; i++) {
            Forecast w = f.forecast("Weather in Oslo?");
            assertThat(w.city()).isNotNull();
            assertThat(w.nearest()).isNotNull();
        }
    }
}
