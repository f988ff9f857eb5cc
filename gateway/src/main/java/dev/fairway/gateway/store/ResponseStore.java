package dev.fairway.gateway.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;

/**
 * Stored responses of the Responses API, in the conversations' database. A response and the conversation items it
 * adds commit in one transaction, so a follow-up sees both or neither. Reads filter by owner: another user's
 * response looks exactly like a missing one.
 */
public final class ResponseStore {
    /** A stored response; JSON columns as text (the responses package owns their shape). */
    public record Stored(
            String id,
            String owner,
            String previousResponseId,
            String conversationId,
            String model,
            String status,
            String incompleteReason,
            String instructions,
            String inputJson,
            String outputText,
            String outputItemId,
            String usageJson,
            String settingsJson,
            long createdAt) {}

    /** One link of a previous_response_id chain: what it was asked and what it answered. */
    public record Turn(String id, String inputJson, String outputText, String settingsJson) {}

    private static final String COLUMNS =
            "id, owner, previous_response_id, conversation_id, model, status, incomplete_reason, instructions, "
                    + "input, output_text, output_item_id, usage, settings, created_at";

    private final Pool reads;
    private final SqlWriter writer;

    public ResponseStore(Pool reads, SqlWriter writer) {
        this.reads = reads;
        this.writer = writer;
    }

    public static String newId(String prefix) {
        return ConversationStore.newId(prefix);
    }

    public static long now() {
        return ConversationStore.now();
    }

    /**
     * Saves the response (when {@code r} is not null) and appends {@code items} to its conversation (when it has one),
     * together; fails with {@link ConversationStore.ConversationGoneException} if the conversation is gone.
     */
    public Future<Void> save(Stored r, String conversationId, List<ConversationStore.NewMessage> items) {
        return writer.write(c -> {
            if (conversationId != null)
                for (ConversationStore.NewMessage m : items) ConversationStore.insertMessage(c, conversationId, m);
            if (r == null) return null;
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO responses (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, r.id());
                s.setString(2, r.owner());
                s.setString(3, r.previousResponseId());
                s.setString(4, r.conversationId());
                s.setString(5, r.model());
                s.setString(6, r.status());
                s.setString(7, r.incompleteReason());
                s.setString(8, r.instructions());
                s.setString(9, r.inputJson());
                s.setString(10, r.outputText());
                s.setString(11, r.outputItemId());
                s.setString(12, r.usageJson());
                s.setString(13, r.settingsJson());
                s.setLong(14, r.createdAt());
                s.executeUpdate();
            }
            return null;
        });
    }

    public Future<Boolean> delete(String owner, String id) {
        return writer.write(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM responses WHERE id = ? AND owner = ?")) {
                s.setString(1, id);
                s.setString(2, owner);
                return s.executeUpdate() > 0;
            }
        });
    }

    /** Null when missing or not the owner's. */
    public Future<Stored> find(String owner, String id) {
        return reads.preparedQuery("SELECT " + COLUMNS + " FROM responses WHERE id = ? AND owner = ?")
                .execute(Tuple.of(id, owner))
                .map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
    }

    /** The chain ending at {@code id}, oldest first (the owner's responses only; a missing link ends it). */
    public Future<List<Turn>> chain(String owner, String id) {
        return reads.preparedQuery("WITH RECURSIVE chain(id, prev, input, output_text, settings, depth) AS ("
                        + " SELECT id, previous_response_id, input, output_text, settings, 0 FROM responses"
                        + " WHERE id = ? AND owner = ?"
                        + " UNION ALL SELECT r.id, r.previous_response_id, r.input, r.output_text, r.settings,"
                        + " c.depth + 1"
                        + " FROM responses r JOIN chain c ON r.id = c.prev WHERE r.owner = ? AND c.depth < 10000)"
                        + " SELECT id, input, output_text, settings FROM chain ORDER BY depth DESC")
                .execute(Tuple.of(id, owner, owner))
                .map(rows -> {
                    List<Turn> out = new ArrayList<>();
                    for (Row r : rows)
                        out.add(new Turn(r.getString(0), r.getString(1), r.getString(2), r.getString(3)));
                    return out;
                });
    }

    private static Stored stored(Row r) {
        return new Stored(
                r.getString(0),
                r.getString(1),
                r.getString(2),
                r.getString(3),
                r.getString(4),
                r.getString(5),
                r.getString(6),
                r.getString(7),
                r.getString(8),
                r.getString(9),
                r.getString(10),
                r.getString(11),
                r.getString(12),
                r.getLong(13));
    }
}
