package dev.fairway.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.common.AbstractChatModelIT;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LangChain4j's shared ChatModel suite on stories260K (a 260K-parameter story generator, not a chat model). Only
 * tests whose assertions need world knowledge or instruction following are disabled; images run as the
 * suite's "must fail with UnsupportedFeatureException" variants; tools and JSON are checked for form
 * (SuiteStructuredChecks).
 */
class LocalChatModelIT extends AbstractChatModelIT {

    private final List<LocalBaseChatModel> created = new ArrayList<>();
    private LocalChatModel model;

    @Override
    protected List<ChatModel> models() {
        if (model == null) model = track(TestModels.greedyChat());
        return List.of(Unclosable.of(model)); // JUnit would close an AutoCloseable argument after each test
    }

    @Override
    protected ChatModel createModelWith(ChatRequestParameters parameters) {
        return Unclosable.of(track(TestModels.chat()
                .temperature(0.0)
                .defaultRequestParameters(parameters)
                .build()));
    }

    @Override
    protected ChatRequestParameters createIntegrationSpecificParameters(int maxOutputTokens) {
        return LocalChatRequestParameters.builder()
                .maxOutputTokens(maxOutputTokens)
                .repetitionPenalty(1.0)
                .build();
    }

    private <M extends LocalBaseChatModel> M track(M m) {
        created.add(m);
        return m;
    }

    @AfterAll
    void closeModels() {
        created.forEach(LocalBaseChatModel::close);
    }

    // One model per instance: modelName selects nothing, any other name is rejected (suite's "not supported" tests
    // run).
    @Override
    protected boolean supportsModelNameParameter() {
        return false;
    }

    @Override
    protected boolean supportsSingleImageInputAsBase64EncodedString() {
        return false;
    }

    @Override
    protected boolean supportsSingleImageInputAsPublicURL() {
        return false;
    }

    // ---- disabled: the assertion needs a knowledgeable, instruction-following chat model

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @Disabled(
            "asserts the answer contains 'Berlin': needs world knowledge (covered with a story prompt in LocalChatModelTest)")
    protected void should_respect_user_message(ChatModel model) {}

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @Disabled("asserts a German translation ('liebe'): needs a translating model")
    protected void should_respect_system_message(ChatModel model) {}

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @Disabled(
            "asserts the model recalls 'green' from an earlier turn: needs a chat-tuned model (memory covered in AiServicesMemoryTest)")
    protected void should_respect_multiple_messages(ChatModel model) {}

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @Disabled(
            "asserts the model obeys \"Say 'Hello World'\": needs instruction following (stop sequences covered in LocalChatModelTest)")
    protected void should_respect_stopSequences_in_chat_request(ChatModel model) {}

    @Override
    @Test
    @Disabled(
            "asserts the model obeys \"Say 'Hello World'\": needs instruction following (stop sequences covered in LocalChatModelTest)")
    protected void should_respect_stopSequences_in_default_model_parameters() {}

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
