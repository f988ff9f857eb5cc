package dev.fairway.gateway.conversations;

import dev.fairway.gateway.http.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * One turn at a time per conversation, first come first served. A turn reads the history only after the turn
 * ahead of it stored its reply, so it sees that reply as context and the stored history never interleaves
 * (user, user, assistant, assistant). A turn that arrives while {@link #MAX_WAITING} already wait gets 409.
 * Confined to the verticle's event loop. Shared by the conversation turns and the Responses API's turns on a
 * conversation.
 */
public final class TurnQueue {
    static final int MAX_WAITING = 8;

    /** A turn waiting for its slot; {@code gone} says its client left (it neither counts nor gets the slot). */
    private record Waiter(Promise<Slot> promise, BooleanSupplier gone) {}

    /** A key is present while a turn runs on that conversation; its deque holds the turns waiting behind it. */
    private final Map<String, Deque<Waiter>> queues = new HashMap<>();

    /** Completes when the caller's turn may start; it must {@link Slot#release} once its reply is stored. */
    public Future<Slot> enter(String conversationId, BooleanSupplier gone) {
        Deque<Waiter> waiting = queues.get(conversationId);
        if (waiting == null) {
            queues.put(conversationId, new ArrayDeque<>());
            return Future.succeededFuture(new Slot(conversationId));
        }
        waiting.removeIf(w -> w.gone().getAsBoolean());
        if (waiting.size() >= MAX_WAITING) {
            return Future.failedFuture(ApiError.conflict(
                    "This conversation already has " + MAX_WAITING
                            + " turns waiting; retry once its current reply is done.",
                    "conversation_busy"));
        }
        Promise<Slot> turn = Promise.promise();
        waiting.add(new Waiter(turn, gone));
        return turn.future();
    }

    /** The right to run one turn; releasing twice is harmless. */
    public final class Slot {
        private final String conversationId;
        private boolean released;

        private Slot(String conversationId) {
            this.conversationId = conversationId;
        }

        public String conversationId() {
            return conversationId;
        }

        public void release() {
            if (released) return;
            released = true;
            Deque<Waiter> waiting = queues.get(conversationId);
            Waiter next = waiting.poll();
            while (next != null && next.gone().getAsBoolean()) next = waiting.poll();
            if (next == null) queues.remove(conversationId);
            else next.promise().complete(new Slot(conversationId));
        }
    }
}
