package dev.fairway.gateway.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Conversations and their messages. Every write is its own transaction, so whatever was acknowledged survives
 * a crash. Reads always filter by owner: another user's conversation looks exactly like a missing one.
 */
public final class ConversationStore {
    public record Conversation(String id, String owner, String title, String metadataJson, long createdAt, long updatedAt,
            String preview) {}

    public record Message(String id, String role, String content, String status, long createdAt) {}

    public record Page(List<Conversation> items, boolean hasMore) {}

    private static final AtomicLong LAST_MILLIS = new AtomicLong();
    private static final String COLUMNS = "c.id, c.owner, c.title, c.metadata, c.created_at, c.updated_at, "
            + "(SELECT substr(m.content, 1, 120) FROM messages m WHERE m.conversation_id = c.id ORDER BY m.seq DESC LIMIT 1)";

    private final Pool pool;

    public ConversationStore(Pool pool) {
        this.pool = pool;
    }

    /** Strictly increasing, so "newest first" is well defined even within one millisecond. */
    static long now() {
        return LAST_MILLIS.updateAndGet(last -> Math.max(last + 1, System.currentTimeMillis()));
    }

    public Future<Conversation> create(String owner, String title, String metadataJson) {
        String id = "conv_" + UUID.randomUUID().toString().replace("-", "");
        long now = now();
        return pool.preparedQuery("INSERT INTO conversations (id, owner, title, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
                .execute(Tuple.of(id, owner, title, metadataJson, now, now))
                .map(r -> new Conversation(id, owner, title, metadataJson, now, now, null));
    }

    /** Null when missing or not the owner's. */
    public Future<Conversation> find(String owner, String id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM conversations c WHERE c.id = ? AND c.owner = ?")
                .execute(Tuple.of(id, owner))
                .map(rows -> rows.size() == 0 ? null : conversation(rows.iterator().next()));
    }

    public Future<Page> list(String owner, int limit, Conversation after) {
        String sql = "SELECT " + COLUMNS + " FROM conversations c WHERE c.owner = ?"
                + (after == null ? "" : " AND (c.updated_at < ? OR (c.updated_at = ? AND c.id < ?))")
                + " ORDER BY c.updated_at DESC, c.id DESC LIMIT ?";
        Tuple args = after == null ? Tuple.of(owner, limit + 1)
                : Tuple.of(owner, after.updatedAt(), after.updatedAt(), after.id(), limit + 1);
        return pool.preparedQuery(sql).execute(args).map(rows -> {
            List<Conversation> items = new ArrayList<>();
            for (Row row : rows) items.add(conversation(row));
            boolean more = items.size() > limit;
            return new Page(more ? items.subList(0, limit) : items, more);
        });
    }

    public Future<List<Message>> messages(String conversationId) {
        return pool.preparedQuery("SELECT id, role, content, status, created_at FROM messages WHERE conversation_id = ? ORDER BY seq")
                .execute(Tuple.of(conversationId))
                .map(rows -> {
                    List<Message> out = new ArrayList<>();
                    for (Row r : rows) out.add(new Message(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getLong(4)));
                    return out;
                });
    }

    /** Null arguments keep the stored value. */
    public Future<Void> update(String id, String title, String metadataJson) {
        return pool.preparedQuery("UPDATE conversations SET title = coalesce(?, title), metadata = coalesce(?, metadata), updated_at = ? WHERE id = ?")
                .execute(Tuple.of(title, metadataJson, now(), id)).mapEmpty();
    }

    public Future<Boolean> delete(String owner, String id) {
        return pool.preparedQuery("DELETE FROM conversations WHERE id = ? AND owner = ?")
                .execute(Tuple.of(id, owner)).map(r -> r.rowCount() > 0);
    }

    /** One transaction: the message and the conversation's new recency commit together. */
    public Future<Message> append(String conversationId, String role, String content, String status) {
        String id = "msg_" + UUID.randomUUID().toString().replace("-", "");
        long now = now();
        return pool.withTransaction(conn -> conn.preparedQuery(
                                "INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at) VALUES "
                                        + "(?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE conversation_id = ?), ?, ?, ?, ?)")
                        .execute(Tuple.of(id, conversationId, conversationId, role, content, status, now))
                        .compose(r -> conn.preparedQuery("UPDATE conversations SET updated_at = ? WHERE id = ?")
                                .execute(Tuple.of(now, conversationId))))
                .map(r -> new Message(id, role, content, status, now));
    }

    private static Conversation conversation(Row r) {
        return new Conversation(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getLong(4),
                r.getLong(5), r.getString(6));
    }
}
