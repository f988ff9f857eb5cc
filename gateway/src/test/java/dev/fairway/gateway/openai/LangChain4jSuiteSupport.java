package dev.fairway.gateway.openai;

import dev.fairway.gateway.SharedGateway;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.output.FinishReason;
import java.util.List;

/** Story-model versions of the suite's questions: same checks, prompts a TinyStories model can continue. */
public final class LangChain4jSuiteSupport {
    public static final String STORY_START = "Once upon a time";
    public static final String STORY_CONTINUATION = ", there was a little girl named Lily";

    private LangChain4jSuiteSupport() {}

    public static String baseUrl() {
        return SharedGateway.get().baseUrl() + "/v1";
    }

    /** Greedy; the reply ends at the first '.', so the finish reason is STOP as the suite expects. */
    public static ChatRequest storyUntilPeriod() {
        return ChatRequest.builder()
                .messages(UserMessage.from(STORY_START))
                .parameters(ChatRequestParameters.builder()
                        .stopSequences(List.of("."))
                        .build())
                .build();
    }

    public static ChatRequest systemThenStory() {
        return ChatRequest.builder()
                .messages(SystemMessage.from("You write stories for children."), UserMessage.from(STORY_START))
                .parameters(ChatRequestParameters.builder()
                        .stopSequences(List.of("."))
                        .maxOutputTokens(30)
                        .build())
                .build();
    }

    public static ChatRequest threeTurns() {
        return ChatRequest.builder()
                .messages(
                        UserMessage.from(STORY_START),
                        AiMessage.from(STORY_CONTINUATION + "."),
                        UserMessage.from(" She loved"))
                .parameters(ChatRequestParameters.builder().maxOutputTokens(10).build())
                .build();
    }

    public static ChatRequest oneTurn() {
        return ChatRequest.builder()
                .messages(UserMessage.from(" She loved"))
                .parameters(ChatRequestParameters.builder().maxOutputTokens(10).build())
                .build();
    }

    public static ChatRequest stopAtLily(boolean inRequest) {
        ChatRequest.Builder b = ChatRequest.builder().messages(UserMessage.from(STORY_START));
        if (inRequest)
            b.parameters(ChatRequestParameters.builder()
                    .stopSequences(List.of("Lily", " Lily"))
                    .build());
        return b.build();
    }

    public static final FinishReason STOP = FinishReason.STOP;
}
