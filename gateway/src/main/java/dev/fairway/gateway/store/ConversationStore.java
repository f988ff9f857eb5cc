package dev.fairway.gateway.store;

import dev.fairway.engine.tools.ToolCall;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Conversations and their messages. Writes go through the {@link SqlWriter} (each one transaction, its future
 * complete only once committed); reads through the read-only pool. Every access filters by owner: another user's
 * conversation looks exactly like a missing one.
 */
public final class ConversationStore {
    public record Conversation(
            String id,
            String owner,
            String title,
            String metadataJson,
            long createdAt,
            long updatedAt,
            String preview) {}

    /** {@code toolCalls}: the calls an assistant message made (else empty); {@code toolCallId}: a tool result's call. */
    public record Message(
            String id,
            String role,
            String content,
            String status,
            long createdAt,
            List<ToolCall> toolCalls,
            String toolCallId) {
        public Message {
            toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        }
    }

    /** A message to store: role, content, "completed" or "partial", and an assistant's calls or a tool's call id. */
    public record NewMessage(String role, String content, String status, List<ToolCall> toolCalls, String toolCallId) {
        public NewMessage {
            toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        }

        public NewMessage(String role, String content, String status) {
            this(role, content, status, List.of(), null);
        }
    }

    public record Page(List<Conversation> items, boolean hasMore) {}

    /** The conversation was deleted (or never was the owner's) by the time a write reached it. */
    public static final class ConversationGoneException extends SQLException {
        public ConversationGoneException(String id) {
            super("conversation " + id + " no longer exists");
        }
    }

    private static final AtomicLong LAST_MILLIS = new AtomicLong();
    private static final String MESSAGE_COLUMNS = "id, role, content, status, created_at, tool_calls, tool_call_id";
    private static final String COLUMNS = "c.id, c.owner, c.title, c.metadata, c.created_at, c.updated_at, "
            + "(SELECT substr(m.content, 1, 120) FROM messages m WHERE m.conversation_id = c.id ORDER BY m.seq DESC LIMIT 1)";

    private final Pool reads;
    private final SqlWriter writer;
    private final Dialect dialect;
    private final TurnLocks turnLocks;

    /** On an SQLite file this server owns. */
    public ConversationStore(Pool reads, SqlWriter writer) {
        this(reads, writer, Dialect.SQLITE, TurnLocks.LOCAL);
    }

    public ConversationStore(Pool reads, SqlWriter writer, Dialect dialect, TurnLocks turnLocks) {
        this.reads = reads;
        this.writer = writer;
        this.dialect = dialect;
        this.turnLocks = turnLocks;
    }

    /** The conversation's turn across every server on this store; run the handle once the reply is stored. */
    public Future<Runnable> lockTurn(String conversationId) {
        return turnLocks.acquire(conversationId);
    }

    /** Strictly increasing, so "newest first" is well defined even within one millisecond. */
    static long now() {
        return LAST_MILLIS.updateAndGet(last -> Math.max(last + 1, System.currentTimeMillis()));
    }

    static String newId(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "");
    }

    // ---- writes: one transaction each

    /** The conversation and its first items commit together. */
    public Future<Conversation> create(String owner, String title, String metadataJson, List<NewMessage> items) {
        String id = newId("conv_");
        return writer.write(c -> {
            long now = now();
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO conversations (id, owner, title, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                s.setString(1, id);
                s.setString(2, owner);
                s.setString(3, title);
                s.setString(4, metadataJson);
                s.setLong(5, now);
                s.setLong(6, now);
                s.executeUpdate();
            }
            String preview = null;
            for (NewMessage m : items) preview = insertMessage(c, id, m).content();
            return new Conversation(
                    id, owner, title, metadataJson, now, now, preview == null ? null : preview(preview));
        });
    }

    /** Null arguments keep the stored value; false when the conversation is not (any longer) the owner's. */
    public Future<Boolean> update(String owner, String id, String title, String metadataJson) {
        return writer.write(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE conversations SET title = coalesce(?, title), "
                    + "metadata = coalesce(?, metadata), updated_at = ? WHERE id = ? AND owner = ?")) {
                s.setString(1, title);
                s.setString(2, metadataJson);
                s.setLong(3, now());
                s.setString(4, id);
                s.setString(5, owner);
                return s.executeUpdate() > 0;
            }
        });
    }

    public Future<Boolean> delete(String owner, String id) {
        return writer.write(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM conversations WHERE id = ? AND owner = ?")) {
                s.setString(1, id);
                s.setString(2, owner);
                return s.executeUpdate() > 0;
            }
        });
    }

    /** Appends after the last message; fails with {@link ConversationGoneException} if the conversation is gone. */
    public Future<Message> append(String conversationId, NewMessage message) {
        return writer.write(c -> insertMessage(c, conversationId, message));
    }

    /**
     * Deletes these messages of the conversation (a regenerated reply); fails with {@link ConversationGoneException}
     * if the conversation is gone.
     */
    public Future<Integer> removeMessages(String conversationId, List<String> messageIds) {
        return writer.write(c -> {
            touch(c, conversationId, now());
            int removed = 0;
            try (PreparedStatement s =
                    c.prepareStatement("DELETE FROM messages WHERE conversation_id = ? AND id = ?")) {
                for (String id : messageIds) {
                    s.setString(1, conversationId);
                    s.setString(2, id);
                    removed += s.executeUpdate();
                }
            }
            return removed;
        });
    }

    /** Marks the conversation changed at {@code now}; fails with {@link ConversationGoneException} if it is gone. */
    private static void touch(Connection c, String conversationId, long now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE conversations SET updated_at = ? WHERE id = ?")) {
            s.setLong(1, now);
            s.setString(2, conversationId);
            if (s.executeUpdate() == 0) throw new ConversationGoneException(conversationId);
        }
    }

    /**
     * Inside a writer's transaction: max(seq) + 1 cannot race. SQLite has one writer; on PostgreSQL, where several
     * nodes write, {@link #touch} first updates the conversation's row, whose row lock orders the inserts.
     */
    static Message insertMessage(Connection c, String conversationId, NewMessage m) throws SQLException {
        String id = newId("msg_");
        long now = now();
        touch(c, conversationId, now);
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at, tool_calls, "
                        + "tool_call_id) VALUES (?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM messages "
                        + "WHERE conversation_id = ?), ?, ?, ?, ?, ?, ?)")) {
            s.setString(1, id);
            s.setString(2, conversationId);
            s.setString(3, conversationId);
            s.setString(4, m.role());
            s.setString(5, m.content());
            s.setString(6, m.status());
            s.setLong(7, now);
            s.setString(8, ToolCallsColumn.write(m.toolCalls()));
            s.setString(9, m.toolCallId());
            s.executeUpdate();
        }
        return new Message(id, m.role(), m.content(), m.status(), now, m.toolCalls(), m.toolCallId());
    }

    private static String preview(String content) {
        return content.length() <= 120 ? content : content.substring(0, 120);
    }

    // ---- reads

    /** Null when missing or not the owner's. */
    public Future<Conversation> find(String owner, String id) {
        return reads.preparedQuery("SELECT " + COLUMNS + " FROM conversations c WHERE c.id = ? AND c.owner = ?")
                .execute(Tuple.of(id, owner))
                .map(rows ->
                        rows.size() == 0 ? null : conversation(rows.iterator().next()));
    }

    public Future<Page> list(String owner, int limit, Conversation after) {
        return list(owner, limit, after, null);
    }

    /** {@code titleContains}: only titles containing it (ASCII letters case-insensitive); null for all. */
    public Future<Page> list(String owner, int limit, Conversation after, String titleContains) {
        String sql = "SELECT " + COLUMNS + " FROM conversations c WHERE c.owner = ?"
                + (titleContains == null ? "" : " AND " + dialect.titleContains())
                + (after == null ? "" : " AND (c.updated_at < ? OR (c.updated_at = ? AND c.id < ?))")
                + " ORDER BY c.updated_at DESC, c.id DESC LIMIT ?";
        Tuple args = Tuple.tuple().addValue(owner);
        if (titleContains != null) args.addValue(titleContains);
        if (after != null)
            args.addValue(after.updatedAt()).addValue(after.updatedAt()).addValue(after.id());
        args.addValue(limit + 1);
        return reads.preparedQuery(sql).execute(args).map(rows -> {
            List<Conversation> items = new ArrayList<>();
            for (Row row : rows) items.add(conversation(row));
            boolean more = items.size() > limit;
            return new Page(more ? items.subList(0, limit) : items, more);
        });
    }

    public Future<List<Message>> messages(String conversationId) {
        return reads.preparedQuery(
                        "SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE conversation_id = ? ORDER BY seq")
                .execute(Tuple.of(conversationId))
                .map(rows -> {
                    List<Message> out = new ArrayList<>();
                    for (Row r : rows) out.add(message(r));
                    return out;
                });
    }

    /** One message of the conversation, or null. */
    public Future<Message> message(String conversationId, String messageId) {
        return reads.preparedQuery("SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE conversation_id = ? AND id = ?")
                .execute(Tuple.of(conversationId, messageId))
                .map(rows -> {
                    if (rows.size() == 0) return null;
                    return message(rows.iterator().next());
                });
    }

    public record MessagePage(List<Message> items, boolean hasMore) {}

    /**
     * Up to {@code limit} messages in order ({@code newestFirst} or oldest first), after the message {@code afterId}
     * (null: from the start); a missing {@code afterId} gives an empty page.
     */
    public Future<MessagePage> messagePage(String conversationId, int limit, boolean newestFirst, String afterId) {
        String cmp = newestFirst ? "<" : ">";
        String sql = "SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE conversation_id = ?"
                + (afterId == null
                        ? ""
                        : " AND seq " + cmp + " (SELECT seq FROM messages WHERE conversation_id = ? AND id = ?)")
                + " ORDER BY seq " + (newestFirst ? "DESC" : "ASC") + " LIMIT ?";
        Tuple args = Tuple.tuple().addValue(conversationId);
        if (afterId != null) args.addValue(conversationId).addValue(afterId);
        args.addValue(limit + 1);
        return reads.preparedQuery(sql).execute(args).map(rows -> {
            List<Message> out = new ArrayList<>();
            for (Row r : rows) out.add(message(r));
            boolean more = out.size() > limit;
            return new MessagePage(more ? out.subList(0, limit) : out, more);
        });
    }

    /** Appends these messages in order, in one transaction; fails with {@link ConversationGoneException} if gone. */
    public Future<List<Message>> appendAll(String conversationId, List<NewMessage> messages) {
        return writer.write(c -> {
            List<Message> out = new ArrayList<>();
            for (NewMessage m : messages) out.add(insertMessage(c, conversationId, m));
            return out;
        });
    }

    /** A row of {@link #MESSAGE_COLUMNS}. */
    private static Message message(Row r) {
        return new Message(
                r.getString(0),
                r.getString(1),
                r.getString(2),
                r.getString(3),
                r.getLong(4),
                ToolCallsColumn.read(r.getString(5)),
                r.getString(6));
    }

    private static Conversation conversation(Row r) {
        return new Conversation(
                r.getString(0),
                r.getString(1),
                r.getString(2),
                r.getString(3),
                r.getLong(4),
                r.getLong(5),
                r.getString(6));
    }
}
