package dev.fairway.langchain4j;

import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.common.AbstractStreamingChatModelListenerIT;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/** LangChain4j's shared listener suite: request/response/error contexts and attributes, on stories260K. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalStreamingChatModelListenerIT extends AbstractStreamingChatModelListenerIT {

    private final List<LocalBaseChatModel> created = new ArrayList<>();

    @Override
    protected StreamingChatModel createModel(ChatModelListener listener) {
        return track(TestModels.streaming()
                .temperature(temperature())
                .topP(topP())
                .maxOutputTokens(maxTokens())
                .listeners(listener)
                .build());
    }

    @Override
    protected String modelName() {
        try (LocalChatModel m = TestModels.greedyChat()) {
            return m.modelInfo().id();
        }
    }

    /** Asks for more tokens than the context holds: the engine rejects it before generating. */
    @Override
    protected StreamingChatModel createFailingModel(ChatModelListener listener) {
        return track(TestModels.streaming()
                .maxOutputTokens(1_000_000)
                .listeners(listener)
                .build());
    }

    @Override
    protected Class<? extends Exception> expectedExceptionClass() {
        return InvalidRequestException.class;
    }

    @Override
    protected boolean supportsTools() {
        return false;
    }

    private <M extends LocalBaseChatModel> M track(M m) {
        created.add(m);
        return m;
    }

    @AfterAll
    void closeModels() {
        created.forEach(LocalBaseChatModel::close);
    }
}
