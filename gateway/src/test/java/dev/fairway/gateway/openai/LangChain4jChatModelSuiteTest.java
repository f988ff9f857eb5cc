package dev.fairway.gateway.openai;

import static dev.fairway.gateway.openai.LangChain4jSuiteSupport.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.gateway.StoryModelLimits;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.common.AbstractChatModelIT;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;
import dev.langchain4j.model.openai.OpenAiChatResponseMetadata;
import dev.langchain4j.model.openai.OpenAiTokenUsage;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LangChain4j's shared ChatModel suite, run with OpenAiChatModel against the gateway. Unsupported features
 * (images, other model names) run the suite's "should_fail_if_..." tests instead: the gateway answers 400/404.
 * Question-answering assertions are replaced by the same checks on a story prompt; tool and JSON tests by form checks
 * (SuiteStructuredChecks).
 */
@ExtendWith(StoryModelLimits.class)
class LangChain4jChatModelSuiteTest extends AbstractChatModelIT {

    static OpenAiChatModel.OpenAiChatModelBuilder builder() {
        return OpenAiChatModel.builder()
                .baseUrl(baseUrl())
                .apiKey("unused-on-loopback")
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
        return OpenAiChatRequestParameters.builder()
                .maxOutputTokens(maxOutputTokens)
                .build();
    }

    // Each "false" below disables the suite's positive test and enables its should_fail_if_..._not_supported twin.
    @Override
    protected boolean supportsModelNameParameter() {
        return false;
    } // one model per server: other names are 404

    @Override
    protected boolean supportsSingleImageInputAsBase64EncodedString() {
        return false;
    } // text-only model: 400 on image parts

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
    protected Class<? extends ChatResponseMetadata> chatResponseMetadataType(ChatModel model) {
        return OpenAiChatResponseMetadata.class;
    }

    @Override
    protected Class<? extends TokenUsage> tokenUsageType(ChatModel model) {
        return OpenAiTokenUsage.class;
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_user_message(ChatModel model) {
        ChatResponse response = model.chat(storyUntilPeriod());
        assertThat(response.aiMessage().text()).isEqualTo(STORY_CONTINUATION);
        assertThat(response.aiMessage().hasToolExecutionRequests()).isFalse();
        assertThat(response.metadata()).isExactlyInstanceOf(OpenAiChatResponseMetadata.class);
        assertThat(response.metadata().id()).isNotBlank();
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
        // stories260K's template drops system turns; what matters to clients is that they are accepted.
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
        assertThatThrownBy(() -> model.chat(request))
                .hasMessageContaining("dummy")
                .hasMessageContaining("does not exist");
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

    // Tools and JSON outputs: generated under a grammar, checked for form (see SuiteStructuredChecks).
    @Override
    protected boolean supportsTools() {
        return true;
    }

    @Override
    protected boolean supportsToolChoiceRequired() {
        return true;
    }

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

    private java.util.function.Function<
                    dev.langchain4j.model.chat.request.ChatRequest, dev.langchain4j.model.chat.response.ChatResponse>
            via(ChatModel model) {
        return request -> chat(model, request).chatResponse();
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_execute_a_tool_then_answer(ChatModel model) {
        run(() -> SuiteStructuredChecks.toolThenAnswer(via(model), SuiteStructuredChecks.WEATHER));
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_execute_a_tool_without_arguments_then_answer(ChatModel model) {
        run(() -> SuiteStructuredChecks.toolThenAnswer(via(model), SuiteStructuredChecks.TIME));
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @org.junit.jupiter.api.Disabled(
            "a story model makes one call or several as it pleases; two at once cannot be required")
    protected void should_execute_multiple_tools_in_parallel_then_answer(ChatModel model) {}

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_force_LLM_to_execute_any_tool(ChatModel model) {
        run(() -> SuiteStructuredChecks.forcedCall(
                via(model), SuiteStructuredChecks.WEATHER, SuiteStructuredChecks.TIME));
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_force_LLM_to_execute_specific_tool(ChatModel model) {
        run(() -> SuiteStructuredChecks.forcedCall(via(model), SuiteStructuredChecks.WEATHER));
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_JSON_response_format(ChatModel model) {
        run(() -> SuiteStructuredChecks.jsonObject(via(model)));
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_JSON_response_format_with_schema(ChatModel model) {
        run(() -> SuiteStructuredChecks.jsonSchema(via(model), false));
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_respect_JsonRawSchema_responseFormat(ChatModel model) {
        run(() -> SuiteStructuredChecks.jsonSchema(via(model), true));
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    protected void should_execute_a_tool_then_answer_respecting_JSON_response_format_with_schema(ChatModel model) {
        run(() -> SuiteStructuredChecks.toolThenJsonAnswer(via(model)));
    }

    private interface Check {
        void run() throws Exception;
    }

    private static void run(Check check) {
        try {
            check.run();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
