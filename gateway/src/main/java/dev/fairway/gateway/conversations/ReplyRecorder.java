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

/**
 * Stores the assistant's reply once generation ends (after the user's message, which it waits for), then lets the
 * client see the end of the stream, so a client that reads the conversation right after [DONE] finds the reply.
 */
final class ReplyRecorder implements GenerationSink {
    private static final Logger LOG = LoggerFactory.getLogger(ReplyRecorder.class);

    private final ConversationStore store;
    private final String conversationId;
    private final GenerationSink client;
    private final Promise<Message> userStored = Promise.promise();
    private GenerationCall call;

    ReplyRecorder(ConversationStore store, String conversationId, GenerationSink client) {
        this.store = store;
        this.conversationId = conversationId;
        this.client = client;
    }

    void attach(GenerationCall call, Future<Message> userMessage) {
        this.call = call;
        userMessage.onComplete(userStored);
        userMessage.onFailure(e -> {
            LOG.error("Could not store the user message of {}; cancelling the reply", conversationId, e);
            call.cancel();
        });
    }

    @Override
    public void onToken(TokenEvent event) {
        client.onToken(event);
    }

    @Override
    public void onComplete(GenerationResult result) {
        boolean partial = result.first().finishReason() == FinishReason.CANCELLED
                || result.first().finishReason() == FinishReason.ERROR || (call != null && call.isClientGone());
        userStored.future()
                .compose(u -> store.append(conversationId, "assistant", result.text(), partial ? "partial" : "completed"))
                .onFailure(e -> LOG.error("Could not store the reply of {}", conversationId, e))
                .onComplete(ar -> client.onComplete(result));
    }
}
