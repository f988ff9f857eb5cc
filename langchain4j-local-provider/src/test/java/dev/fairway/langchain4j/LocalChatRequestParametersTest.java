package dev.fairway.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import org.junit.jupiter.api.Test;

/** Merging rules, as ChatModel.chat() applies them (defaults.overrideWith(request)); no engine needed. */
class LocalChatRequestParametersTest {

    @Test
    void local_defaults_overridden_by_common_request_keep_local_fields() {
        LocalChatRequestParameters defaults = LocalChatRequestParameters.builder()
                .temperature(0.5)
                .minP(0.1)
                .seed(3L)
                .repetitionPenalty(1.2)
                .maxOutputTokens(10)
                .build();
        ChatRequestParameters merged = defaults.overrideWith(
                ChatRequestParameters.builder().maxOutputTokens(20).build());
        assertThat(merged).isInstanceOf(LocalChatRequestParameters.class);
        LocalChatRequestParameters local = (LocalChatRequestParameters) merged;
        assertThat(local.maxOutputTokens()).isEqualTo(20);
        assertThat(local.temperature()).isEqualTo(0.5);
        assertThat(local.minP()).isEqualTo(0.1);
        assertThat(local.seed()).isEqualTo(3L);
        assertThat(local.repetitionPenalty()).isEqualTo(1.2);
    }

    @Test
    void common_defaults_overridden_by_local_request_keep_local_fields() {
        ChatRequestParameters defaults =
                DefaultChatRequestParameters.builder().temperature(0.7).topK(40).build();
        ChatRequestParameters merged = defaults.overrideWith(
                LocalChatRequestParameters.builder().seed(5L).build());
        assertThat(merged).isInstanceOf(LocalChatRequestParameters.class);
        assertThat(((LocalChatRequestParameters) merged).seed()).isEqualTo(5L);
        assertThat(merged.temperature()).isEqualTo(0.7);
        assertThat(merged.topK()).isEqualTo(40);
    }

    @Test
    void request_values_win_and_nulls_do_not_erase() {
        LocalChatRequestParameters defaults =
                LocalChatRequestParameters.builder().seed(1L).minP(0.2).build();
        LocalChatRequestParameters request =
                LocalChatRequestParameters.builder().seed(2L).build();
        LocalChatRequestParameters merged = defaults.overrideWith(request);
        assertThat(merged.seed()).isEqualTo(2L);
        assertThat(merged.minP()).isEqualTo(0.2);
        assertThat(merged)
                .isEqualTo(
                        LocalChatRequestParameters.builder().seed(2L).minP(0.2).build());
        assertThat(request.defaultedBy(defaults)).isEqualTo(merged);
    }
}
