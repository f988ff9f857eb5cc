package dev.fairway.langchain4j;

import dev.fairway.engine.GenerationHandle;
import dev.fairway.engine.GenerationListener;
import dev.fairway.engine.GenerationResult;
import dev.fairway.langchain4j.spi.LocalChatModelBuilderFactory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.spi.ServiceHelper;
import java.util.concurrent.ExecutionException;

/**
 * A LangChain4j {@link ChatModel} running a local model in-process on the Fairway engine. Thread-safe: concurrent
 * calls are batched together by the engine (one forward pass per step for every running request), and every
 * instance naming the same model shares one engine. Close it (or every instance) to free the engine.
 *
 * <pre>{@code
 * ChatModel model = LocalChatModel.builder().modelPath(Path.of("models/SmolLM2-135M-Instruct"))
 *         .temperature(0.0).maxOutputTokens(200).build();
 * }</pre>
 */
public class LocalChatModel extends LocalBaseChatModel implements ChatModel {

    protected LocalChatModel(Builder builder) {
        super(builder);
    }

    public static Builder builder() {
        for (LocalChatModelBuilderFactory factory : ServiceHelper.loadFactories(LocalChatModelBuilderFactory.class)) {
            return factory.get();
        }
        return new Builder();
    }

    /** Called by {@link ChatModel#chat(ChatRequest)} with default parameters merged and listeners notified. */
    @Override
    public ChatResponse doChat(ChatRequest chatRequest) {
        GenerationHandle handle;
        dev.fairway.engine.GenerationRequest request;
        try {
            request = toGenerationRequest(chatRequest);
            handle = engine.submit(request, GenerationListener.NONE);
        } catch (RuntimeException e) {
            throw toLangChain4jException(e);
        }
        GenerationResult result;
        try {
            result = handle.result().get();
        } catch (InterruptedException e) {
            handle.cancel();
            Thread.currentThread().interrupt();
            throw new dev.langchain4j.exception.LangChain4jException("interrupted while generating", e);
        } catch (ExecutionException e) {
            throw toLangChain4jException(e.getCause());
        }
        return toChatResponse(
                result,
                request.prompt() instanceof dev.fairway.engine.Prompt.Chat c
                        ? c.tools()
                        : dev.fairway.engine.tools.Tools.NONE);
    }

    public static class Builder extends LocalBaseChatModel.Builder<LocalChatModel, Builder> {

        public Builder() {
            // public so that frameworks can extend it (see LocalChatModelBuilderFactory)
        }

        @Override
        public LocalChatModel build() {
            return new LocalChatModel(this);
        }
    }
}
