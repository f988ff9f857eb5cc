package dev.fairway.gateway.store;

import io.vertx.core.Future;

/**
 * The right to run one turn on a conversation across every server sharing the store. Within one server the turn
 * queue already orders turns; a store that one server owns (SQLite) needs nothing more, a shared one locks in the
 * database so that two nodes never interleave the same conversation's history.
 */
public interface TurnLocks {
    /** Completes once the turn may run; the handle releases it (run it once the reply is stored). */
    Future<Runnable> acquire(String conversationId);

    /** The store belongs to this server alone. */
    TurnLocks LOCAL = id -> Future.succeededFuture(() -> {});

    /** Another node held the conversation's turn for longer than a lock wait may last. */
    final class BusyException extends RuntimeException {
        public BusyException(String conversationId, Throwable cause) {
            super("conversation " + conversationId + " stayed busy on another server", cause);
        }
    }
}
