package dev.fairway.gateway.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChatMessage;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.openai.ChatRequestParser;
import dev.fairway.gateway.store.ConversationStore.Conversation;
import dev.fairway.gateway.store.ConversationStore.Message;
import java.util.ArrayList;
import java.util.List;

/** Conversation JSON both ways: response shapes (times in seconds) and the metadata/items request fields. */
public final class ConversationJson {
    private ConversationJson() {}

    static ObjectNode summary(Conversation c) {
        ObjectNode o = Json.object()
                .put("id", c.id())
                .put("object", "conversation")
                .put("title", c.title())
                .put("preview", c.preview())
                .put("created_at", c.createdAt() / 1000)
                .put("updated_at", c.updatedAt() / 1000);
        o.set("metadata", parseMetadata(c.metadataJson()));
        return o;
    }

    static ObjectNode conversation(Conversation c, List<Message> messages) {
        ObjectNode o = summary(c);
        ArrayNode arr = o.putArray("messages");
        for (Message m : messages) arr.add(message(m));
        return o;
    }

    static ObjectNode message(Message m) {
        return Json.object()
                .put("id", m.id())
                .put("type", "message")
                .put("role", m.role())
                .put("content", m.content())
                .put("status", m.status())
                .put("created_at", m.createdAt() / 1000);
    }

    /**
     * A message as the OpenAI Conversations and Responses APIs show items: content parts, input_text for everyone but
     * the model; a stopped reply is "incomplete".
     */
    public static ObjectNode item(String id, String role, String content, String status) {
        ObjectNode item = Json.object()
                .put("id", id)
                .put("type", "message")
                .put("status", status.equals("partial") ? "incomplete" : status)
                .put("role", role);
        ArrayNode parts = item.putArray("content");
        ObjectNode part = parts.addObject()
                .put("type", role.equals("assistant") ? "output_text" : "input_text")
                .put("text", content);
        if (role.equals("assistant")) {
            part.putArray("annotations");
            part.putArray("logprobs");
        }
        return item;
    }

    private static JsonNode parseMetadata(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (Exception e) {
            return Json.object();
        }
    }

    /** OpenAI metadata: at most 16 string pairs, keys <= 64 and values <= 512 characters. */
    static String metadata(ObjectNode body) {
        ObjectNode m = Fields.optObject(body, "metadata");
        if (m == null) return null;
        if (m.size() > 16) throw ApiError.badRequest("'metadata' may hold at most 16 keys.", "metadata");
        m.fields().forEachRemaining(e -> {
            if (e.getKey().length() > 64
                    || !e.getValue().isTextual()
                    || e.getValue().asText().length() > 512) {
                throw ApiError.badRequest("'metadata' maps keys (<= 64 chars) to strings (<= 512 chars).", "metadata");
            }
        });
        return Json.write(m);
    }

    static List<ChatMessage> items(JsonNode items) {
        if (items == null || items.isNull()) return List.of();
        if (!items.isArray() || items.size() > 20)
            throw ApiError.badRequest("'items' must be an array of at most 20 messages.", "items");
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode it = items.get(i);
            String at = "items[" + i + "]";
            if (!it.isObject()) throw ApiError.badRequest(at + " must be an object.", at);
            if (it.has("type") && !"message".equals(it.get("type").asText())) {
                throw ApiError.badRequest(at + ".type must be 'message'.", at + ".type", "unsupported_parameter");
            }
            ObjectNode copy = ((ObjectNode) it).deepCopy();
            copy.remove("type");
            out.add(ChatRequestParser.messages(Json.array().add(copy)).get(0));
        }
        return out;
    }
}
