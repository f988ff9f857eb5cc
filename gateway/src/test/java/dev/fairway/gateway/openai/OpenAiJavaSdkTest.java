package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.SharedGateway;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The official OpenAI Java SDK against the gateway: typed parsing of completions, chunks and usage. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiJavaSdkTest {
    private Gateway gateway;
    private OpenAIClient client;

    @BeforeAll
    void start() {
        gateway = SharedGateway.get();
        client = OpenAIOkHttpClient.builder()
                .baseUrl(gateway.baseUrl() + "/v1")
                .apiKey("unused-on-loopback")
                .build();
    }

    private static ChatCompletionCreateParams.Builder story(int maxTokens) {
        return ChatCompletionCreateParams.builder()
                .model("stories260K")
                .addUserMessage("Once upon a time")
                .maxCompletionTokens(maxTokens)
                .temperature(0.0);
    }

    @Test
    void nonStreamingChatParsesWithUsage() {
        ChatCompletion completion = client.chat().completions().create(story(16).build());
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().get(0).message().content())
                .hasValueSatisfying(text -> assertThat(text).startsWith(ChatCompletionsHttpTest.STORY));
        assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        CompletionUsage usage = completion.usage().orElseThrow();
        assertThat(usage.completionTokens()).isEqualTo(16);
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + 16);
        assertThat(usage.promptTokensDetails().orElseThrow().cachedTokens()).isPresent();
    }

    @Test
    void streamingChatDeliversTheSameTextAndFinalUsage() {
        String expected = client.chat()
                .completions()
                .create(story(20).build())
                .choices()
                .get(0)
                .message()
                .content()
                .orElseThrow();
        ChatCompletionCreateParams params = story(20)
                .streamOptions(
                        ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .build();
        StringBuilder text = new StringBuilder();
        List<CompletionUsage> usages = new ArrayList<>();
        List<String> finishes = new ArrayList<>();
        int chunks = 0;
        try (StreamResponse<ChatCompletionChunk> stream =
                client.chat().completions().createStreaming(params)) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                chunks++;
                chunk.usage().ifPresent(usages::add);
                for (ChatCompletionChunk.Choice c : chunk.choices()) {
                    c.delta().content().ifPresent(text::append);
                    c.finishReason().ifPresent(f -> finishes.add(f.asString()));
                }
            }
        }
        assertThat(text.toString()).isEqualTo(expected);
        assertThat(chunks).isGreaterThan(3);
        assertThat(finishes).containsExactly("length");
        assertThat(usages).hasSize(1);
        assertThat(usages.get(0).completionTokens()).isEqualTo(20);
    }

    @Test
    void legacyCompletionsAndModels() {
        Completion completion = client.completions()
                .create(CompletionCreateParams.builder()
                        .model("stories260K")
                        .prompt("Once upon a time")
                        .maxTokens(8)
                        .temperature(0.0)
                        .build());
        assertThat(completion.choices().get(0).text()).startsWith(", there was");
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(8);
        assertThat(client.models().list().data())
                .anySatisfy(m -> assertThat(m.id()).isEqualTo("stories260K"));
    }

    @Test
    void errorsSurfaceAsTypedSdkExceptions() {
        assertThatThrownBy(() -> client.chat()
                        .completions()
                        .create(story(5).model("gpt-4o").build()))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("gpt-4o");
        assertThatThrownBy(() -> client.chat()
                        .completions()
                        .create(story(5).temperature(7.0).build()))
                .isInstanceOf(BadRequestException.class)
                .hasMessageContaining("temperature");
    }
}
