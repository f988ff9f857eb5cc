package dev.fairway.gateway.ollama;

import static dev.fairway.gateway.openai.LangChain4jSuiteSupport.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.gateway.SharedGateway;
import dev.fairway.gateway.StoryModelLimits;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.common.AbstractChatModelIT;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaChatRequestParameters;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LangChain4j's shared ChatModel suite with its OllamaChatModel against the gateway's /api/chat. As with the OpenAI
 * suite, unsupported features run the suite's "should_fail_if_..." twins (the gateway answers 400/404), and
 * question-answering checks are replaced by the same checks on a story prompt.
 */
@ExtendWith(StoryModelLimits.class)
class LangChain4jOllamaChatModelSuiteTest extends AbstractChatModelIT {

    static String ollamaUrl() {
        return SharedGateway.get().baseUrl();
    }

    static OllamaChatModel.OllamaChatModelBuilder builder() {
        return OllamaChatModel.builder()
                .baseUrl(ollamaUrl())
                .modelName("stories260K")
                .temperature(0.0)
                .timeout(Duration.ofSeconds(60));
    }

    @Override
    protected List<ChatModel> models() {
        return List.of(builder().build());
    }

    @Override
    protected ChatModel createModelWith(ChatRequestParameters parameters) {
        return builder().defaultRequestParameters(parameters).build();
    }

    @Override
    protected ChatRequestParameters createIntegrationSpecificParameters(int maxOutputTokens) {
        return OllamaChatRequestParameters.builder()
                .maxOutputTokens(maxOutputTokens)
                .build();
    }

    // Each "false" below disables the suite's positive test and enables its should_fail_if_..._not_supported twin.
    @Override
    protected boolean supportsModelNameParameter() {
        return false;
    } // one model per server: other names are 404

    @Override
    protected boolean supportsTools() {
        return false;
    } // no tool calling: 400 naming 'tools'

    @Override
    protected boolean supportsToolChoiceRequired() {
        return false;
    } // no tool calling

    @Override
    protected boolean supportsJsonResponseFormat() {
        return true;
    }

    @Override
    protected boolean supportsJsonResponseFormatWithSchema() {
        return true;
    }

    @Override
    protected boolean supportsJsonResponseFormatWithRawSchema() {
        return true;
    }

    @Override
    protected boolean supportsSingleImageInputAsBase64EncodedString() {
        return false;
    } // text-only model: 400 naming 'images'

    @Override
    protected boolean supportsMultipleImageInputsAsBase64EncodedStrings() {
        return false;
    } // text-only model

    @Override
    protected boolean supportsSingleImageInputAsPublicURL() {
        return false;
    } // text-only model

    @Override
    protected boolean supportsMultipleImageInputsAsPublicURLs() {
        return false;
    } // text-only model

    @Override
    protected boolean assertExceptionType() {
        return false;
    }

    @Override
    protected boolean assertResponseId() {
        return false;
    } // Ollama's API has no response id

    @Override
    protected Class<? extends TokenUsage> tokenUsageType(ChatModel model) {
        return TokenUsage.class;
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_user_message(ChatModel model) {
        ChatResponse response = model.chat(storyUntilPeriod());
        assertThat(response.aiMessage().text()).isEqualTo(STORY_CONTINUATION);
        assertThat(response.aiMessage().hasToolExecutionRequests()).isFalse();
        assertThat(response.metadata().modelName()).isEqualTo("stories260K");
        assertThat(response.metadata().finishReason()).isEqualTo(STOP);
        TokenUsage usage = response.metadata().tokenUsage();
        assertThat(usage.inputTokenCount()).isPositive();
        assertThat(usage.totalTokenCount()).isEqualTo(usage.inputTokenCount() + usage.outputTokenCount());
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_system_message(ChatModel model) {
        assertThat(model.chat(systemThenStory()).aiMessage().text()).isEqualTo(STORY_CONTINUATION);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_multiple_messages(ChatModel model) {
        int oneTurn = model.chat(oneTurn()).metadata().tokenUsage().inputTokenCount();
        ChatResponse three = model.chat(threeTurns());
        assertThat(three.aiMessage().text()).isNotBlank();
        assertThat(three.metadata().tokenUsage().inputTokenCount()).isGreaterThan(oneTurn + 10);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @DisabledIf("supportsModelNameParameter")
    protected void should_fail_if_modelName_is_not_supported(ChatModel model) {
        ChatRequest request = ChatRequest.builder()
                .messages(dev.langchain4j.data.message.UserMessage.from(STORY_START))
                .parameters(ChatRequestParameters.builder().modelName("dummy").build())
                .build();
        assertThatThrownBy(() -> model.chat(request)).hasMessageContaining("dummy");
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_stopSequences_in_chat_request(ChatModel model) {
        ChatResponse response = model.chat(stopAtLily(true));
        assertThat(response.aiMessage().text()).contains("girl").doesNotContain("Lily");
        assertThat(response.metadata().finishReason()).isEqualTo(STOP);
    }

    @Override
    @Test
    protected void should_respect_stopSequences_in_default_model_parameters() {
        ChatModel model = createModelWith(ChatRequestParameters.builder()
                .stopSequences(List.of("Lily", " Lily"))
                .build());
        ChatResponse response = model.chat(stopAtLily(false));
        assertThat(response.aiMessage().text()).contains("girl").doesNotContain("Lily");
        assertThat(response.metadata().finishReason()).isEqualTo(STOP);
    }

    // format "json" or a schema: generated under a grammar, checked for form (see SuiteStructuredChecks)
    private static java.util.function.Function<ChatRequest, ChatResponse> via(ChatModel model) {
        return request -> model.chat(request);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_JSON_response_format(ChatModel model) {
        check(() -> dev.fairway.gateway.openai.SuiteStructuredChecks.jsonObject(via(model)));
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_JSON_response_format_with_schema(ChatModel model) {
        check(() -> dev.fairway.gateway.openai.SuiteStructuredChecks.jsonSchema(via(model), false));
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_JsonRawSchema_responseFormat(ChatModel model) {
        check(() -> dev.fairway.gateway.openai.SuiteStructuredChecks.jsonSchema(via(model), true));
    }

    private interface Check {
        void run() throws Exception;
    }

    private static void check(Check c) {
        try {
            c.run();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
