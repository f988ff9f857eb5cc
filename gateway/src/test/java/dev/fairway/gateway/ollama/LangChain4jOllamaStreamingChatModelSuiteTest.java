package dev.fairway.gateway.ollama;

import static dev.fairway.gateway.openai.LangChain4jSuiteSupport.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.gateway.StoryModelLimits;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.common.AbstractStreamingChatModelIT;
import dev.langchain4j.model.chat.common.ChatResponseAndStreamingMetadata;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.ollama.OllamaChatRequestParameters;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LangChain4j's shared StreamingChatModel suite with its OllamaStreamingChatModel against the gateway's /api/chat. As with the OpenAI
 * suite, unsupported features run the suite's "should_fail_if_..." twins (the gateway answers 400/404), and
 * question-answering checks are replaced by the same checks on a story prompt.
 */
@ExtendWith(StoryModelLimits.class)
class LangChain4jOllamaStreamingChatModelSuiteTest extends AbstractStreamingChatModelIT {

    static OllamaStreamingChatModel.OllamaStreamingChatModelBuilder builder() {
        return OllamaStreamingChatModel.builder()
                .baseUrl(LangChain4jOllamaChatModelSuiteTest.ollamaUrl())
                .modelName("stories260K")
                .temperature(0.0)
                .timeout(Duration.ofSeconds(60));
    }

    @Override
    protected List<StreamingChatModel> models() {
        return List.of(builder().build());
    }

    @Override
    protected StreamingChatModel createModelWith(ChatRequestParameters parameters) {
        return builder().defaultRequestParameters(parameters).build();
    }

    @Override
    public StreamingChatModel createModelWith(ChatModelListener listener) {
        return builder().listeners(List.of(listener)).build();
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
    protected Class<? extends TokenUsage> tokenUsageType(StreamingChatModel model) {
        return TokenUsage.class;
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_user_message(StreamingChatModel model) {
        ChatResponseAndStreamingMetadata result = chat(model, storyUntilPeriod());
        ChatResponse response = result.chatResponse();
        assertThat(result.streamingMetadata().concatenatedPartialResponses()).isEqualTo(STORY_CONTINUATION);
        assertThat(result.streamingMetadata().timesOnPartialResponseWasCalled()).isGreaterThan(3);
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
    protected void should_respect_system_message(StreamingChatModel model) {
        assertThat(chat(model, systemThenStory()).chatResponse().aiMessage().text())
                .isEqualTo(STORY_CONTINUATION);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_multiple_messages(StreamingChatModel model) {
        int oneTurn =
                chat(model, oneTurn()).chatResponse().metadata().tokenUsage().inputTokenCount();
        ChatResponse three = chat(model, threeTurns()).chatResponse();
        assertThat(three.aiMessage().text()).isNotBlank();
        assertThat(three.metadata().tokenUsage().inputTokenCount()).isGreaterThan(oneTurn + 10);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @DisabledIf("supportsModelNameParameter")
    protected void should_fail_if_modelName_is_not_supported(StreamingChatModel model) {
        ChatRequest request = ChatRequest.builder()
                .messages(dev.langchain4j.data.message.UserMessage.from(STORY_START))
                .parameters(ChatRequestParameters.builder().modelName("dummy").build())
                .build();
        assertThatThrownBy(() -> chat(model, request)).hasMessageContaining("dummy");
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_stopSequences_in_chat_request(StreamingChatModel model) {
        ChatResponse response = chat(model, stopAtLily(true)).chatResponse();
        assertThat(response.aiMessage().text()).contains("girl").doesNotContain("Lily");
        assertThat(response.metadata().finishReason()).isEqualTo(STOP);
    }

    @Override
    @Test
    protected void should_respect_stopSequences_in_default_model_parameters() {
        StreamingChatModel model = createModelWith(ChatRequestParameters.builder()
                .stopSequences(List.of("Lily", " Lily"))
                .build());
        ChatResponse response = chat(model, stopAtLily(false)).chatResponse();
        assertThat(response.aiMessage().text()).contains("girl").doesNotContain("Lily");
        assertThat(response.metadata().finishReason()).isEqualTo(STOP);
    }

    // format "json" or a schema: generated under a grammar, checked for form (see SuiteStructuredChecks)
    private java.util.function.Function<ChatRequest, ChatResponse> via(StreamingChatModel model) {
        return request -> chat(model, request).chatResponse();
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_JSON_response_format(StreamingChatModel model) {
        check(() -> dev.fairway.gateway.openai.SuiteStructuredChecks.jsonObject(via(model)));
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_JSON_response_format_with_schema(StreamingChatModel model) {
        check(() -> dev.fairway.gateway.openai.SuiteStructuredChecks.jsonSchema(via(model), false));
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_JsonRawSchema_responseFormat(StreamingChatModel model) {
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
