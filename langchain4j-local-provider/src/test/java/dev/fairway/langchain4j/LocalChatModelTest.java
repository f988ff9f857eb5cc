package dev.fairway.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Provider behaviour on stories260K with story prompts (what the shared suite checks with knowledge questions). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalChatModelTest {

    static final String STORY = "Once upon a time";

    private final LocalChatModel model = TestModels.greedyChat();

    @AfterAll
    void close() {
        model.close();
    }

    private ChatResponse chat(ChatRequestParameters parameters) {
        return model.chat(ChatRequest.builder()
                .messages(UserMessage.from(STORY))
                .parameters(parameters)
                .build());
    }

    @Test
    void story_prompt_gives_text_usage_id_model_and_finish_reason() {
        ChatResponse r =
                chat(ChatRequestParameters.builder().maxOutputTokens(200).build());

        assertThat(r.aiMessage().text()).isNotBlank();
        assertThat(r.aiMessage().hasToolExecutionRequests()).isFalse();
        assertThat(r.metadata().id()).isNotBlank();
        assertThat(r.metadata().modelName()).isEqualTo(model.modelInfo().id());
        int out = r.metadata().tokenUsage().outputTokenCount();
        assertThat(r.metadata().tokenUsage().inputTokenCount()).isPositive();
        assertThat(r.metadata().tokenUsage().totalTokenCount())
                .isEqualTo(r.metadata().tokenUsage().inputTokenCount() + out);
        if (r.metadata().finishReason() == FinishReason.LENGTH) {
            assertThat(out).isEqualTo(200);
        } else {
            assertThat(r.metadata().finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(out).isLessThan(200);
        }
    }

    @Test
    void no_max_tokens_runs_until_eos_or_end_of_context() {
        ChatResponse r = model.chat(
                ChatRequest.builder().messages(UserMessage.from(STORY)).build());
        int in = r.metadata().tokenUsage().inputTokenCount();
        int out = r.metadata().tokenUsage().outputTokenCount();
        assertThat(in + out).isLessThanOrEqualTo(model.modelInfo().contextLength());
        if (r.metadata().finishReason() == FinishReason.LENGTH) {
            assertThat(in + out).isEqualTo(model.modelInfo().contextLength());
        }
    }

    @Test
    void max_output_tokens_gives_length() {
        ChatResponse r = chat(ChatRequestParameters.builder().maxOutputTokens(4).build());
        assertThat(r.metadata().finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(r.metadata().tokenUsage().outputTokenCount()).isEqualTo(4);
    }

    @Test
    void stop_sequence_cuts_the_text_before_it_and_finishes_with_stop() {
        String full = chat(ChatRequestParameters.builder().maxOutputTokens(60).build())
                .aiMessage()
                .text();
        // Stop at the 4th word of the greedy continuation: the output must be exactly what came before it.
        List<String> words = Arrays.stream(full.trim().split("\\s+")).toList();
        assertThat(words.size()).isGreaterThan(4);
        String stop = words.get(3);
        ChatResponse r = chat(ChatRequestParameters.builder()
                .maxOutputTokens(60)
                .stopSequences(stop)
                .build());
        assertThat(r.aiMessage().text()).isEqualTo(full.substring(0, full.indexOf(stop)));
        assertThat(r.metadata().finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void seed_makes_sampling_reproducible_and_topK_1_or_minP_1_is_greedy() {
        String greedy = chat(ChatRequestParameters.builder().maxOutputTokens(30).build())
                .aiMessage()
                .text();
        LocalChatRequestParameters seeded = LocalChatRequestParameters.builder()
                .temperature(1.0)
                .seed(1234L)
                .maxOutputTokens(30)
                .build();
        assertThat(chat(seeded).aiMessage().text())
                .isEqualTo(chat(seeded).aiMessage().text());

        assertThat(chat(LocalChatRequestParameters.builder()
                                .temperature(1.0)
                                .topK(1)
                                .seed(7L)
                                .maxOutputTokens(30)
                                .build())
                        .aiMessage()
                        .text())
                .isEqualTo(greedy);
        assertThat(chat(LocalChatRequestParameters.builder()
                                .temperature(1.0)
                                .minP(1.0)
                                .seed(7L)
                                .maxOutputTokens(30)
                                .build())
                        .aiMessage()
                        .text())
                .isEqualTo(greedy);
    }

    @Test
    void default_request_parameters_merge_with_request_parameters() {
        try (LocalChatModel m = TestModels.chat()
                .defaultRequestParameters(LocalChatRequestParameters.builder()
                        .temperature(1.0)
                        .seed(99L)
                        .maxOutputTokens(3)
                        .build())
                .build()) {
            assertThat(m.defaultRequestParameters().seed()).isEqualTo(99L);
            assertThat(m.defaultRequestParameters().modelName())
                    .isEqualTo(m.modelInfo().id());
            // request overrides max tokens, keeps the default seed and temperature
            ChatResponse a = m.chat(ChatRequest.builder()
                    .messages(UserMessage.from(STORY))
                    .parameters(
                            ChatRequestParameters.builder().maxOutputTokens(6).build())
                    .build());
            ChatResponse b = m.chat(ChatRequest.builder()
                    .messages(UserMessage.from(STORY))
                    .parameters(LocalChatRequestParameters.builder()
                            .maxOutputTokens(6)
                            .build())
                    .build());
            assertThat(a.metadata().tokenUsage().outputTokenCount()).isEqualTo(6);
            assertThat(a.aiMessage().text()).isEqualTo(b.aiMessage().text());
            assertThat(m.chat(STORY)).isNotNull();
        }
    }

    @Test
    void the_served_model_name_is_accepted_other_names_are_not() {
        ChatResponse r = chat(ChatRequestParameters.builder()
                .modelName(model.modelInfo().id())
                .maxOutputTokens(2)
                .build());
        assertThat(r.metadata().modelName()).isEqualTo(model.modelInfo().id());
        assertThatThrownBy(() ->
                        chat(ChatRequestParameters.builder().modelName("gpt-4o").build()))
                .isExactlyInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("modelName");
    }

    @Test
    void capabilities_name_json_schema_outputs() {
        assertThat(model.supportedCapabilities())
                .containsExactly(dev.langchain4j.model.chat.Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }
}
