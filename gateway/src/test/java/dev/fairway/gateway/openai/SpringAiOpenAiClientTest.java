package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.gateway.SharedGateway;
import dev.fairway.gateway.TestGateway;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

/**
 * Spring AI 2.0's OpenAI chat model with {@code streamUsage(true)}, as issue 21 found it: it sends
 * {@code stream_options.include_obfuscation}, which the gateway used to refuse.
 */
class SpringAiOpenAiClientTest {
    private static OpenAiChatModel model() {
        OpenAiChatOptions options = OpenAiChatOptions.builder()
                .baseUrl(SharedGateway.get().baseUrl() + "/v1")
                .apiKey("unused-on-loopback")
                .model("stories260K")
                .temperature(0.0)
                .maxTokens(12)
                .streamUsage(true)
                .build();
        return OpenAiChatModel.builder().options(options).build();
    }

    @Test
    void callReturnsTheStoryWithUsage() {
        ChatResponse r = model().call(new Prompt("Once upon a time"));
        assertThat(r.getResult().getOutput().getText()).startsWith(TestGateway.STORY);
        assertThat(r.getMetadata().getUsage().getCompletionTokens()).isEqualTo(12);
        assertThat(r.getMetadata().getUsage().getTotalTokens())
                .isEqualTo(r.getMetadata().getUsage().getPromptTokens() + 12);
    }

    @Test
    void streamDeliversTheSameTextAndTheUsage() {
        String whole = model().call(new Prompt("Once upon a time"))
                .getResult()
                .getOutput()
                .getText();
        List<ChatResponse> chunks =
                model().stream(new Prompt("Once upon a time")).collectList().block(Duration.ofSeconds(60));
        assertThat(chunks).isNotNull().hasSizeGreaterThan(3);
        String streamed = String.join(
                "",
                chunks.stream()
                        .filter(c -> c.getResult() != null && c.getResult().getOutput() != null)
                        .map(c -> c.getResult().getOutput().getText())
                        .filter(Objects::nonNull)
                        .toList());
        assertThat(streamed).isEqualTo(whole);
        ChatResponse last = chunks.get(chunks.size() - 1);
        assertThat(last.getMetadata().getUsage().getCompletionTokens()).isEqualTo(12);
    }
}
