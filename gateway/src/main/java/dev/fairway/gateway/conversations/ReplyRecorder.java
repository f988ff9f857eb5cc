package dev.fairway.gateway.conversations;

import dev.fairway.engine.FinishReason;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.TokenEvent;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.openai.ChatShape;
import dev.fairway.gateway.openai.GenerationCall;
import dev.fairway.gateway.openai.GenerationSink;
import dev.fairway.gateway.store.ConversationStore;
import dev.fairway.gateway.store.ConversationStore.ConversationGoneException;
import dev.fairway.gateway.store.ConversationStore.Message;
import dev.fairway.gateway.store.ConversationStore.NewMessage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orders a conversation turn for durability: the client sees nothing until the user's message is committed (so any
 * streamed byte implies it survives a crash), and sees the end of the stream only after the reply is committed.
 * A message that could not be stored makes the request fail; the turn's slot is released once the reply is stored,
 * so the next turn sees it.
 */
final class ReplyRecorder implements GenerationSink {
    private static final Logger LOG = LoggerFactory.getLogger(ReplyRecorder.class);

    private final ConversationStore store;
    private final String conversationId;
    private final ChatShape shape;
    private final GenerationSink client;
    private final Runnable stored;
    private final Promise<Message> userStored = Promise.promise();
    private final List<TokenEvent> held = new ArrayList<>();
    private GenerationCall call;

    /**
     * {@code shape}: the client's, so that a reply's tool calls are stored with the ids the client was sent.
     * {@code stored} runs once when the turn is over in the database (reply stored, or nothing more will be).
     */
    ReplyRecorder(
            ConversationStore store, String conversationId, ChatShape shape, GenerationSink client, Runnable stored) {
        this.store = store;
        this.conversationId = conversationId;
        this.shape = shape;
        this.client = client;
        this.stored = stored;
    }

    /** {@code opened} runs once the user's message is committed (the SSE headers and role chunk go out then). */
    void attach(GenerationCall call, Future<Message> userMessage, Runnable opened) {
        this.call = call;
        userMessage.onSuccess(m -> {
            opened.run();
            releaseHeld();
        });
        userMessage.onFailure(e -> {
            log("the user message", e);
            call.cancel(); // the client hears the failure when the cancelled generation completes
        });
        userMessage.onComplete(userStored);
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
        finish(result, null);
    }

    @Override
    public void onCut(GenerationResult partial, ApiError why) {
        finish(partial, why);
    }

    @Override
    public void onFailure(ApiError error) {
        stored.run();
        client.onFailure(error);
    }

    private void finish(GenerationResult result, ApiError cut) {
        userStored.future().onComplete(user -> {
            if (user.failed()) {
                stored.run();
                client.onFailure(
                        storeFailed(user.cause(), "Your message could not be stored, so no reply was generated"));
                return;
            }
            FinishReason reason = result.first().finishReason();
            boolean partial = cut != null || reason == FinishReason.CANCELLED || reason == FinishReason.ERROR;
            ChatShape.Reply reply = shape.reply(result.text());
            store.append(
                            conversationId,
                            new NewMessage(
                                    "assistant",
                                    reply.content(),
                                    partial ? "partial" : "completed",
                                    reply.calls(),
                                    null))
                    .onComplete(saved -> {
                        stored.run();
                        releaseHeld();
                        if (saved.failed()) {
                            log("the reply", saved.cause());
                            client.onFailure(storeFailed(saved.cause(), "The reply could not be stored"));
                        } else if (cut != null) {
                            client.onFailure(cut);
                        } else {
                            client.onComplete(result);
                        }
                    });
        });
    }

    /** A conversation deleted mid-turn is a normal race, not a fault. */
    private void log(String what, Throwable e) {
        if (e instanceof ConversationGoneException)
            LOG.info("Not storing {} of {}: the conversation was deleted", what, conversationId);
        else LOG.error("Could not store {} of {}", what, conversationId, e);
    }

    private ApiError storeFailed(Throwable cause, String what) {
        if (cause instanceof ConversationGoneException) {
            return ApiError.notFound(
                    what + ": conversation '" + conversationId + "' was deleted.",
                    "conversation_id",
                    "conversation_not_found");
        }
        return ApiError.serverError(what + " (" + cause.getMessage() + ").", "storage_error");
    }
}
