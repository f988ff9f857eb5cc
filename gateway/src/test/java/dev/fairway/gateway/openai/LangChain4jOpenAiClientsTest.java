package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.gateway.SharedGateway;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The plain LangChain4j OpenAI models, as an application would configure them, pointed at the gateway. */
class LangChain4jOpenAiClientsTest {
    private final String baseUrl = SharedGateway.get().baseUrl() + "/v1";

    @Test
    void chatModelReturnsTheStoryWithUsage() {
        OpenAiChatModel model = OpenAiChatModel.builder()
                .baseUrl(baseUrl)
                .apiKey("x")
                .modelName("stories260K")
                .temperature(0.0)
                .maxTokens(12)
                .timeout(Duration.ofSeconds(30))
                .build();
        ChatResponse response = model.chat(dev.langchain4j.model.chat.request.ChatRequest.builder()
                .messages(dev.langchain4j.data.message.UserMessage.from("Once upon a time"))
                .build());
        assertThat(response.aiMessage().text()).startsWith(ChatCompletionsHttpTest.STORY);
        assertThat(response.metadata().tokenUsage().outputTokenCount()).isEqualTo(12);
        assertThat(response.metadata().finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(model.chat("Once upon a time")).startsWith(ChatCompletionsHttpTest.STORY);
    }

    @Test
    void streamingModelStreamsPartialsAndCompletes() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder()
                .baseUrl(baseUrl)
                .apiKey("x")
                .modelName("stories260K")
                .temperature(0.0)
                .maxTokens(12)
                .timeout(Duration.ofSeconds(30))
                .build();
        StringBuilder partials = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat("Once upon a time", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                partials.append(partial);
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
        ChatResponse response = done.get(30, TimeUnit.SECONDS);
        assertThat(partials.toString())
                .isEqualTo(response.aiMessage().text())
                .startsWith(ChatCompletionsHttpTest.STORY);
        assertThat(response.metadata().tokenUsage().outputTokenCount()).isEqualTo(12);
    }
}
