package dev.fairway.gateway.conversations;

import dev.fairway.engine.FinishReason;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.TokenEvent;
import dev.fairway.gateway.openai.GenerationCall;
import dev.fairway.gateway.openai.GenerationSink;
import dev.fairway.gateway.store.ConversationStore;
import dev.fairway.gateway.store.ConversationStore.Message;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Orders a conversation turn for durability: the client sees nothing until the user's message is committed (so any
 * streamed byte implies it survives a crash), and sees the end of the stream only after the reply is committed.
 */
final class ReplyRecorder implements GenerationSink {
    private static final Logger LOG = LoggerFactory.getLogger(ReplyRecorder.class);

    private final ConversationStore store;
    private final String conversationId;
    private final GenerationSink client;
    private final Promise<Message> userStored = Promise.promise();
    private final List<TokenEvent> held = new ArrayList<>();
    private GenerationCall call;

    ReplyRecorder(ConversationStore store, String conversationId, GenerationSink client) {
        this.store = store;
        this.conversationId = conversationId;
        this.client = client;
    }

    /** {@code opened} runs once the user's message is committed (the SSE headers and role chunk go out then). */
    void attach(GenerationCall call, Future<Message> userMessage, Runnable opened) {
        this.call = call;
        userMessage.onSuccess(m -> {
            opened.run();
            releaseHeld();
        });
        userMessage.onComplete(userStored);
        userMessage.onFailure(e -> {
            LOG.error("Could not store the user message of {}; cancelling the reply", conversationId, e);
            call.cancel();
        });
    }

    @Override
    public void onTokens(List<TokenEvent> events) {
        if (userStored.future().succeeded()) client.onTokens(events);
        else held.addAll(events);
    }

    private void releaseHeld() {
        if (held.isEmpty()) return;
        client.onTokens(List.copyOf(held));
        held.clear();
    }

    @Override
    public void onComplete(GenerationResult result) {
        boolean partial = result.first().finishReason() == FinishReason.CANCELLED
                || result.first().finishReason() == FinishReason.ERROR || (call != null && call.isClientGone());
        userStored.future()
                .compose(u -> store.append(conversationId, "assistant", result.text(), partial ? "partial" : "completed"))
                .onFailure(e -> LOG.error("Could not store the reply of {}", conversationId, e))
                .onComplete(ar -> {
                    releaseHeld();
                    client.onComplete(result);
                });
    }
}
