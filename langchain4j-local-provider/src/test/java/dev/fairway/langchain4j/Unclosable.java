package dev.fairway.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.util.List;
import java.util.Set;

/**
 * Views of our models without AutoCloseable: JUnit closes AutoCloseable arguments of each parameterized test
 * invocation, which would release the shared model after the first test of a suite. Pure delegation.
 */
final class Unclosable {
    private Unclosable() {}

    static ChatModel of(LocalChatModel m) {
        return new ChatModel() {
            @Override
            public ChatResponse chat(ChatRequest request, ChatRequestOptions options) {
                return m.chat(request, options);
            }

            @Override
            public ChatRequestParameters defaultRequestParameters() {
                return m.defaultRequestParameters();
            }

            @Override
            public List<ChatModelListener> listeners() {
                return m.listeners();
            }

            @Override
            public ModelProvider provider() {
                return m.provider();
            }

            @Override
            public Set<Capability> supportedCapabilities() {
                return m.supportedCapabilities();
            }

            @Override
            public String toString() {
                return "LocalChatModel(" + m.modelInfo().id() + ")";
            }
        };
    }

    static StreamingChatModel of(LocalStreamingChatModel m) {
        return new StreamingChatModel() {
            @Override
            public void chat(ChatRequest request, ChatRequestOptions options, StreamingChatResponseHandler handler) {
                m.chat(request, options, handler);
            }

            @Override
            public ChatRequestParameters defaultRequestParameters() {
                return m.defaultRequestParameters();
            }

            @Override
            public List<ChatModelListener> listeners() {
                return m.listeners();
            }

            @Override
            public ModelProvider provider() {
                return m.provider();
            }

            @Override
            public Set<Capability> supportedCapabilities() {
                return m.supportedCapabilities();
            }

            @Override
            public String toString() {
                return "LocalStreamingChatModel(" + m.modelInfo().id() + ")";
            }
        };
    }
}
